import { ENDPOINTS, type Endpoint } from './endpoint';

/** A path the router serves, relative to its mount path. */
export type RouteMatch = { kind: 'endpoint'; endpoint: Endpoint; query: string } | { kind: 'models' };

const POST_ROUTES = new Map(Object.entries(ENDPOINTS).map(([endpoint, spec]) => [spec.path, endpoint as Endpoint]));

/** Matches `method` and `url` (relative to the mount) to a route; undefined for any other path. */
export function matchRoute(method: string | undefined, url: string | undefined): RouteMatch | undefined {
  const raw = url ?? '/';
  const queryStart = raw.indexOf('?');
  const path = (queryStart === -1 ? raw : raw.slice(0, queryStart)).replace(/\/+$/, '') || '/';
  const query = queryStart === -1 ? '' : raw.slice(queryStart);
  if (method === 'POST') {
    const endpoint = POST_ROUTES.get(path);
    return endpoint ? { kind: 'endpoint', endpoint, query } : undefined;
  }
  if ((method === 'GET' || method === 'HEAD') && path === '/models') return { kind: 'models' };
  return undefined;
}
