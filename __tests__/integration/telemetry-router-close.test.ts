/**
 * `router.close()` while requests are in flight, on every streamed route kind (DESIGN sections 1,
 * 2 and 6): each request still ends with one `request.end` (`outcome: "error"`, the status its
 * client got), its OpenTelemetry span ends once with an error status, and its conversation record
 * reaches CONVERSATION_LOG_FILE before the file closes, with the text that had arrived.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry } from '../../lib';
import { startFakes, type Fakes, type ProviderId } from '../support/fake-upstream';
import { envFor, startHost } from '../support/host';
import { postInFlight } from '../support/http-client';
import { observe } from '../support/observe';
import { waitUntil } from '../support/wait';
import { anthropicEvent, chatChunkFrame, dataFrame, messageStartFrame } from '../support/wire-frames';

type Upstream = 'chat' | 'messages' | 'responses';

const USER = [{ role: 'user', content: 'hi' }];
const ROUTES: Array<[name: string, path: string, model: string, provider: ProviderId, upstream: Upstream, body: Record<string, unknown>]> = [
  ['chat → openai', 'chat/completions', 'gpt-4o-mini', 'openai', 'chat', { messages: USER }],
  ['chat → anthropic', 'chat/completions', 'claude-sonnet-5-5', 'anthropic', 'messages', { messages: USER }],
  ['messages → anthropic', 'messages', 'anthropic/claude-sonnet-5-5', 'anthropic', 'messages', { max_tokens: 9, messages: USER }],
  ['messages → openrouter', 'messages', 'openrouter/x/y', 'openrouter', 'chat', { max_tokens: 9, messages: USER }],
  ['responses → openai (native)', 'responses', 'openai/gpt-5.5', 'openai', 'responses', { input: 'hi' }],
  ['responses → local (bridged)', 'responses', 'local/qwen3', 'local', 'chat', { input: 'hi' }],
  ['responses → anthropic', 'responses', 'anthropic/claude-sonnet-5-5', 'anthropic', 'messages', { input: 'hi' }],
];

/** The upstream's stream up to its first text, `Hel`. */
function firstFrames(upstream: Upstream): string {
  if (upstream === 'chat') return chatChunkFrame({ id: 'c', created: 1, model: 'm' }, { role: 'assistant', content: 'Hel' });
  if (upstream === 'messages') {
    return (
      messageStartFrame() +
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } })
    );
  }
  const created = {
    type: 'response.created',
    sequence_number: 0,
    response: { id: 'resp_1', object: 'response', status: 'in_progress', model: 'm', output: [] },
  };
  const delta = { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' };
  return `event: response.created\n${dataFrame(created)}event: response.output_text.delta\n${dataFrame(delta)}`;
}

let fakes: Fakes;
beforeAll(async () => {
  fakes = await startFakes();
});
afterAll(() => fakes.close());
afterEach(() => fakes.reset());

describe.each([
  ['mid-stream', true],
  ['mid-way through a whole answer', false],
])('close() %s', (_when, stream) => {
  test.each(ROUTES)('%s: one request.end, one span, and the record in the file', async (_name, path, model, provider, upstream, body) => {
    const file = join(mkdtempSync(join(tmpdir(), 'epr-close-')), 'conversations.jsonl');
    const seen = observe();
    const exporter = new InMemorySpanExporter();
    const host = await startHost({ env: { ...envFor(fakes), CONVERSATION_LOG_FILE: file } });
    seen.listen(host.router);
    instrumentOpenTelemetry(host.router.telemetry, new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('t'));
    let answered = false;
    fakes[provider].handler = (_request, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.write(stream ? firstFrames(upstream) : '{"id":"x",', () => (answered = true));
      return true;
    };
    try {
      const inFlight = postInFlight(`${host.url}/v1/${path}`, { model, stream, ...body });
      if (stream) await inFlight.waitForBody((text) => text.includes('Hel'));
      else await waitUntil(() => answered, 2000, 'the upstream began its answer');
      await host.router.close();
      const answer = await inFlight.response;
      const [end] = await seen.waitForEnds(1);
      expect(end).toMatchObject({ outcome: 'error', status: answer.status });
      await waitUntil(() => exporter.getFinishedSpans().length > 0, 2000, 'the span');
      expect(exporter.getFinishedSpans().map((span) => span.status.code)).toEqual([2]);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(1);
      const record = JSON.parse(lines[0] ?? '') as { response: { text: string }; status: number; outcome: string };
      expect(record).toMatchObject({ status: answer.status, outcome: 'error' });
      if (stream) expect(record.response.text).toBe('Hel');
      expect(seen.ends()).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
