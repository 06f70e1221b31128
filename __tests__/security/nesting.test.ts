/**
 * A body nested thousands of levels deep parses (`JSON.parse` takes any depth) but overflows the
 * stack of whatever walks it recursively afterwards: it is refused before routing, on every route,
 * whoever parsed it.
 */
import type { TelemetryEvent } from '../../lib';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';

let fakes: Fakes;
let hosts: Host[];
const events: TelemetryEvent[] = [];

beforeAll(async () => {
  fakes = await startFakes();
  hosts = [await startHost({ env: envFor(fakes) }), await startHost({ env: envFor(fakes) }, { jsonFirst: true, expressVersion: 4 })];
  for (const host of hosts) host.router.telemetry.on('event', (event) => events.push(event));
});
afterEach(() => {
  fakes.reset();
  events.length = 0;
});
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()));
  await fakes?.close();
});

/** `[]` nested `levels` deep. */
function nested(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** A body of each route with `value` nested where a client may put anything: a tool's schema, a message. */
const BODIES: Array<[string, (value: string) => string]> = [
  ['/v1/chat/completions', (v) => `{"model":"gpt-4o","messages":[{"role":"user","content":"hi","x":${v}}]}`],
  [
    '/v1/chat/completions',
    (v) =>
      `{"model":"claude-x","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":${v}}}}}]}`,
  ],
  [
    '/v1/messages',
    (v) =>
      `{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object","properties":{"a":${v}}}}]}`,
  ],
  ['/v1/messages/count_tokens', (v) => `{"model":"claude-x","messages":[{"role":"user","content":"hi"}],"x":${v}}`],
  [
    '/v1/responses',
    (v) => `{"model":"claude-x","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"a":${v}}}}]}`,
  ],
  ['/v1/completions', (v) => `{"model":"gpt-4o","prompt":"hi","x":${v}}`],
  ['/v1/embeddings', (v) => `{"model":"gpt-4o","input":${v}}`],
];

describe('a body nested deeper than 512 levels', () => {
  test.each([5_000, 100_000])(
    '(%i levels) is a 400 invalid_json on every route, with or without express.json() first, sent nowhere',
    async (levels) => {
      for (const host of hosts) {
        for (const [route, body] of BODIES) {
          const res = await rawRequest({ url: `${host.url}${route}`, headers: { 'content-type': 'application/json' }, body: body(nested(levels)) });
          const answer = JSON.parse(res.text) as { type?: string; error: { type: string; message: string; code?: string } };
          expect([route, res.status]).toEqual([route, 400]);
          if (route.startsWith('/v1/messages')) expect(answer).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
          else expect(answer.error.code).toBe('invalid_json');
          expect(answer.error.message).toContain('512 levels');
        }
      }
      expect(fakes.received()).toEqual([]);
      expect(events).toEqual([]);
    },
  );

  test('a body nested less deep is served as before', async () => {
    // The bodies put the nested value 2 to 6 levels down: 500 more stays within 512.
    for (const [route, body] of BODIES) {
      fakes.reset();
      const res = await rawRequest({ url: `${hosts[0]!.url}${route}`, headers: { 'content-type': 'application/json' }, body: body(nested(500)) });
      expect([route, res.status]).toEqual([route, 200]);
      expect(fakes.received()).toHaveLength(1);
    }
  });
});
