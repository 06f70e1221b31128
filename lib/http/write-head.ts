import type { ServerResponse } from 'node:http';

/**
 * Writes an answer's head with every header set on `res` first, not handed to `writeHead` alone:
 * Node keeps headers given only to `writeHead` out of `res.getHeaders()`, so a host's logger that
 * reads them when the answer ends (pino-http's `res.getHeaders()`, a `res.getHeader('x-request-id')`
 * on `finish`) saw none of the router's on an app that set no header before it (`x-powered-by`
 * disabled). Headers the host set before keep their place; the router's replace those of the same name.
 */
export function writeHead(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status);
}
