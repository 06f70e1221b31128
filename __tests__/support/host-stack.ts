/**
 * The host stack the CLI probes (`__tests__/claude-code/host-stack-cli.test.ts`,
 * `__tests__/codex/host-stack-cli.test.ts`) run the router in, built as chat backends build theirs:
 * `express.json()` mounted first for the whole app (the pitfall of DESIGN.md section 7),
 * `compression()`, the host's own auth on {@link STACK_PREFIX} (its client's credential as
 * `authorization: Bearer` or `x-api-key`; anything else gets the host's 401 and goes no further),
 * and the router under it at `/api/llm/v1`. `useWatchedHost` keeps each answer the router wrote and
 * checks it for keys.
 */
import compression from 'compression';
import type { NextFunction, Request, Response } from 'express';
import type { Fakes } from './fake-upstream';
import { useWatchedHost, type WatchedHost } from './use-host';

/** Where the host puts its LLM API; the router is mounted at `${STACK_PREFIX}/v1`. */
export const STACK_PREFIX = '/api/llm';

/** The body of the host's own 401, in Anthropic's and OpenAI's error shape both (`error.type`, `error.message`). */
export const HOST_REJECTION = {
  type: 'error',
  error: { type: 'authentication_error', message: 'host-auth: this credential is not one of ours' },
};

/** A request the host's auth refused. */
export interface Rejection {
  method: string;
  path: string;
  headers: Record<string, unknown>;
}

/** The watched host in its stack, and the requests its auth refused (emptied after each test). */
export interface HostStack extends WatchedHost {
  rejected: Rejection[];
}

/** The credential a request carries: `authorization: Bearer <token>`, else `x-api-key`. */
function credentialOf(req: Request): string | undefined {
  const bearer = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
  return bearer ?? req.get('x-api-key');
}

/** The host stack on `fakes` (call it after `useFakes`), letting through only requests that carry `credential`. */
export function useHostStack(fakes: Fakes, credential: string, options: { prepare?: () => void } = {}): HostStack {
  const rejected: Rejection[] = [];
  const watched = useWatchedHost(fakes, {
    ...options,
    host: {
      jsonFirst: true,
      mountPath: `${STACK_PREFIX}/v1`,
      before: (app) => {
        app.use(compression());
        app.use(STACK_PREFIX, (req: Request, res: Response, next: NextFunction) => {
          if (credentialOf(req) === credential) return next();
          rejected.push({ method: req.method, path: req.originalUrl, headers: { ...req.headers } });
          res.status(401).json(HOST_REJECTION);
        });
      },
    },
  });
  afterEach(() => {
    rejected.length = 0;
  });
  return { ...watched, rejected };
}
