/**
 * A host middleware, mounted before the router, that records every answer the host sends a client:
 * its status, headers and body as written. For the CLI suites, where the client shows only part of
 * what it got (the Codex CLI shows a 429 as its status alone) and where nothing the host writes may
 * hold a key.
 */
import type { Express } from 'express';

/** One answer as the host wrote it. */
export interface TappedAnswer {
  method: string;
  path: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Mounts the tap on `app`; each answer is pushed onto `answers` once it has finished or closed. */
export function tapAnswers(app: Express, answers: TappedAnswer[]): void {
  app.use((req, res, next) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown): void => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;
    res.once('close', () => {
      answers.push({
        method: req.method,
        path: req.originalUrl,
        status: res.statusCode,
        headers: res.getHeaders() as Record<string, unknown>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
    next();
  });
}
