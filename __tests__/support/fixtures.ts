/** The recorded wire-format samples in `__tests__/fixtures/` (see its README). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SseEvent } from '../../lib/dialects/stream-codec';
import { sseBlocks, sseEvents } from './sse';

const DIR = join(__dirname, '..', 'fixtures');

/** A fixture file's text. */
export function fixtureText(name: string): string {
  return readFileSync(join(DIR, name), 'utf8');
}

/** A JSON fixture, parsed afresh (callers may change it). */
export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/**
 * The frames of an `.sse` fixture, each with its closing blank line, comment frames included:
 * joined, they are the fixture byte for byte (checked).
 */
export function sseFrames(name: string): string[] {
  const text = fixtureText(name);
  const frames = sseBlocks(text).map((block) => `${block}\n\n`);
  if (frames.join('') !== text) throw new Error(`${name}: not LF-framed SSE with a blank line after every frame`);
  return frames;
}

/** The events an `.sse` fixture dispatches, as the router's pump hands them to a translator. */
export function fixtureEvents(name: string): SseEvent[] {
  return sseEvents(fixtureText(name));
}
