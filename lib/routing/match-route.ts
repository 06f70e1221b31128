import { ENDPOINTS, type Endpoint } from './endpoint';

/** A path the router serves, relative to its mount path, or one of its APIs that it refuses. */
export type RouteMatch =
  | { kind: 'endpoint'; endpoint: Endpoint; query: string }
  | { kind: 'models' }
  /** A route of an API the router speaks that it cannot serve: no model to route by. */
  | { kind: 'not-served'; message: string };

const POST_ROUTES = new Map(Object.entries(ENDPOINTS).map(([endpoint, spec]) => [spec.path, endpoint as Endpoint]));

/**
 * Matches `method` and `url` (relative to the mount) to a route; undefined for any other path.
 * Paths ignore a trailing slash and compare case-insensitively, as Express's default routing does
 * (and as the mount path itself matches), so `/Chat/Completions` is served like
 * `/chat/completions` instead of falling through to the host; `caseSensitive` (a host that enabled
 * Express's `case sensitive routing`) compares them exactly.
 */
export function matchRoute(method: string | undefined, url: string | undefined, caseSensitive = false): RouteMatch | undefined {
  const raw = url ?? '/';
  const queryStart = raw.indexOf('?');
  const path = (queryStart === -1 ? raw : raw.slice(0, queryStart)).replace(/\/+$/, '') || '/';
  const routePath = caseSensitive ? path : path.toLowerCase();
  const query = queryStart === -1 ? '' : raw.slice(queryStart);
  if (method === 'POST') {
    const endpoint = POST_ROUTES.get(routePath);
    if (endpoint) return { kind: 'endpoint', endpoint, query };
  }
  if ((method === 'GET' || method === 'HEAD') && routePath === '/models') return { kind: 'models' };
  if (isStoredResponseRoute(method, routePath)) {
    return {
      kind: 'not-served',
      message: `${method ?? 'GET'} ${path} is not served: stored responses and compaction need state the router does not keep and carry no model to route by; send the whole conversation to POST /responses`,
    };
  }
  return undefined;
}

/**
 * The Responses API's routes for stored responses and compaction that DESIGN section 11 answers
 * with a 404: `POST /responses/compact` and `GET` / `DELETE /responses/{id}`. Any other path under
 * `/responses/` goes to the host, as every path the router does not serve.
 */
function isStoredResponseRoute(method: string | undefined, path: string): boolean {
  if (!path.startsWith('/responses/')) return false;
  const rest = path.slice('/responses/'.length);
  if (rest.includes('/')) return false;
  // `compact` is a `{id}` too when read or deleted.
  return (rest === 'compact' && method === 'POST') || method === 'GET' || method === 'HEAD' || method === 'DELETE';
}

/** Whether the Express app serving `req` enabled `case sensitive routing` (off by default). */
export function hostRoutesCaseSensitively(req: object): boolean {
  const app = (req as { app?: { enabled?: unknown } }).app;
  return typeof app?.enabled === 'function' && (app.enabled as (setting: string) => unknown).call(app, 'case sensitive routing') === true;
}
