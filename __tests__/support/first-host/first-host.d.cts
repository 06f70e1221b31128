import type { Express } from 'express';

/** The mount paths, both served by one router. */
export declare const MOUNTS: readonly ['/v1', '/api/v1'];
/** Mounts everything the host has before the router; `counted.bytes` grows with what its logger sees written. */
export declare function beforeRouter(app: Express, express: typeof import('express'), counted?: { bytes: number }): void;
/** Mounts the host's own routes after the router. */
export declare function afterRouter(app: Express): void;
