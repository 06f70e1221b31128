import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createProviderRouter, type ProviderRouter, type ProviderRouterOptions } from '../../lib';
import type { FakeUpstream, ProviderId } from './fake-upstream';
import { KEYS } from './keys';

/**
 * Env that points each provider given at its fake and enables it with its key from `KEYS`
 * (llama-server without one), with 2-second timeouts.
 */
export function envFor(upstreams: Partial<Record<ProviderId, FakeUpstream>>): Record<string, string> {
  const env: Record<string, string> = { PROVIDER_TIMEOUT_MS: '2000', PROVIDER_IDLE_TIMEOUT_MS: '2000' };
  if (upstreams.openai) Object.assign(env, { OPENAI_API_KEY: KEYS.openai, OPENAI_BASE_URL: upstreams.openai.baseUrl });
  if (upstreams.openrouter) {
    Object.assign(env, { OPENROUTER_API_KEY: KEYS.openrouter, OPENROUTER_BASE_URL: upstreams.openrouter.baseUrl });
  }
  if (upstreams.anthropic) {
    Object.assign(env, { ANTHROPIC_API_KEY: KEYS.anthropic, ANTHROPIC_BASE_URL: upstreams.anthropic.baseUrl });
  }
  if (upstreams.local) env.LOCAL_BASE_URL = upstreams.local.baseUrl;
  return env;
}

/** How the Express app around the router is built. */
export interface HostOptions {
  /** Which Express: 5 (`express`) or 4 (`express4`). */
  expressVersion?: 4 | 5;
  /** Mount `express.json()` before the router, as many hosts do. */
  jsonFirst?: boolean;
  /** Called with the app before the router is mounted (compression, loggers, ...). */
  before?: (app: Express) => void;
  /** Called after the router is mounted (the host's own routes and fallbacks). */
  after?: (app: Express) => void;
  /** Where the router is mounted: `/v1` unless given; several paths mount the one router at each. */
  mountPath?: string | string[];
}

/** A running host. */
export interface Host {
  url: string;
  router: ProviderRouter;
  app: Express;
  close(): Promise<void>;
}

/** A real Express host on 127.0.0.1 with the router mounted at `/v1` (or `mountPath`), logging nothing unless given a `logger` (`logger: undefined` keeps the router's default, stderr). */
export async function startHost(routerOptions: ProviderRouterOptions, options: HostOptions = {}): Promise<Host> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = (options.expressVersion === 4 ? require('express4') : require('express')) as typeof import('express');
  const app = express();
  if (options.jsonFirst) app.use(express.json({ limit: '200mb' }));
  options.before?.(app);
  const router = createProviderRouter({ logger: silentLogger, ...routerOptions });
  for (const mountPath of [options.mountPath ?? '/v1'].flat()) app.use(mountPath, router);
  options.after?.(app);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    router,
    app,
    close: async () => {
      await router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A logger that drops everything (the default of `startHost`). */
export const silentLogger = { warn: () => undefined, error: () => undefined };
