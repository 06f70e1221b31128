/** Ways a fake upstream writes its answer: the building blocks of the default answers and of test handlers. */
import type { ServerResponse } from 'node:http';
import { sleep } from './wait';

/** The `x-request-id` a fake answers with unless told otherwise. */
export const UPSTREAM_REQUEST_ID = 'req_upstream_1';

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': UPSTREAM_REQUEST_ID, ...headers });
  res.end(JSON.stringify(body));
}

/** Answers with an event stream of `frames`, one write each. */
export function sendFrames(res: ServerResponse, frames: string[], status = 200): void {
  res.writeHead(status, { 'content-type': 'text/event-stream', 'x-request-id': UPSTREAM_REQUEST_ID });
  for (const frame of frames) res.write(frame);
  res.end();
}

/** Writes `pieces` as separate chunks of one streamed 200 answer, `gapMs` apart, then ends it. */
export async function writeSlowly(res: ServerResponse, pieces: Array<string | Buffer>, gapMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': UPSTREAM_REQUEST_ID });
  for (const piece of pieces) {
    res.write(piece);
    await sleep(gapMs);
  }
  res.end();
}

/** The index of the first frame that carries the fixtures' first text ("Hello", possibly tagged). */
export function firstTextFrameIndex(frames: string[]): number {
  const index = frames.findIndex((frame) => frame.includes('"Hello'));
  if (index === -1) throw new Error('no frame with the first text');
  return index;
}

/** Responses held open by `sendHeldStream`; ended by `destroyHeldResponses()`. */
const heldResponses = new Set<ServerResponse>();

/**
 * Sends `frames` up to and including `frames[splitAt]`, then waits for `release` before sending
 * the rest and ending. Without `release` the answer is held open (until the other side closes it,
 * the fake closes, or `destroyHeldResponses()`). `onRest` is called just before the rest is written.
 */
export function sendHeldStream(res: ServerResponse, frames: string[], splitAt: number, release?: Promise<unknown>, onRest?: () => void): void {
  heldResponses.add(res);
  res.on('close', () => heldResponses.delete(res));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_upstream_held' });
  for (const frame of frames.slice(0, splitAt + 1)) res.write(frame);
  if (!release) return;
  void release.then(() => {
    if (res.destroyed) return;
    onRest?.();
    for (const frame of frames.slice(splitAt + 1)) res.write(frame);
    res.end();
  });
}

/** Destroys every response `sendHeldStream` still holds open (for an `afterEach`). */
export function destroyHeldResponses(): void {
  for (const res of heldResponses) res.destroy();
  heldResponses.clear();
}
