/**
 * DESIGN sections 2, 8, 9 and 11: a translated stream whose upstream fails after any of its frames
 * (the connection ends or is reset, or the provider reports an error in the stream) still reaches
 * the client well formed in the client's dialect. Messages: blocks in order, each delta inside its
 * open block, one `error` event last and no `message_stop`. Responses: `sequence_number` from 0 with
 * no gap, `response.created` first, one terminal event (`response.failed`) last, whose `output` is
 * the items the stream completed. Chat completions: no `[DONE]`, an error frame without `choices`
 * last. And `request.end` once, with `outcome: "error"`.
 */
import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { observe } from '../support/observe';
import { sseEvents } from '../support/sse';
import { anthropicEvent, anthropicStreamFrames, chatChunkFrame } from '../support/wire-frames';

type Failure = 'end' | 'reset' | 'error';
const FAILURES: readonly Failure[] = ['end', 'reset', 'error'];

let local: FakeUpstream;
let anthropic: FakeUpstream;
let host: Host;
const observed = observe();

beforeAll(async () => {
  [local, anthropic] = await startFakeUpstreams('local', 'anthropic');
  host = await startHost({ env: { ...envFor({ anthropic }), OPENAI_COMPATIBLE_PROVIDERS: 'qwen', QWEN_BASE_URL: local.baseUrl } });
  observed.listen(host.router);
});
afterAll(async () => {
  await host.close();
  await local.close();
  await anthropic.close();
});

const IDENTITY = { id: 'chatcmpl-cut', created: 1, model: 'qwen3' };
const chunk = (delta: Record<string, unknown>): string => chatChunkFrame(IDENTITY, delta);

/** Reasoning, text, then two parallel calls whose pieces interleave: every kind of block, and held pieces. */
const CHAT_FRAMES = [
  chunk({ role: 'assistant', reasoning_content: 'Think' }),
  chunk({ reasoning_content: 'ing.' }),
  chunk({ content: 'Two ' }),
  chunk({ content: 'calls.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"cmd":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"/a"}' } }] }),
  chunk({ content: 'Late text.' }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: '"ls"}' } }] }),
];
const CHAT_ERROR = `data: ${JSON.stringify({ ...IDENTITY, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'error' }], error: { message: 'Provider disconnected', code: 502 } })}\n\n`;

const ANTHROPIC_FRAMES = anthropicStreamFrames(
  {
    model: 'claude-sonnet-5-5',
    reasoning: 'Thinking it over.',
    signature: 'sig-1',
    text: 'One call.',
    calls: [{ id: 'toolu_1', name: 'Read', args: '{"path":"/a"}' }],
    stopReason: 'tool_use',
    startUsage: { input_tokens: 5, output_tokens: 1 },
    endUsage: { output_tokens: 9 },
  },
  (text) => [text.slice(0, 4), text.slice(4)],
).slice(0, -2);
const ANTHROPIC_ERROR = anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });

/** The fake sends `frames`, then fails as `failure` says. */
function failAfter(fake: FakeUpstream, frames: readonly string[], failure: Failure, errorFrame: string): void {
  fake.handler = (_request, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    for (const frame of frames) res.write(frame);
    if (failure === 'end') res.end();
    else if (failure === 'error') res.end(errorFrame);
    else setImmediate(() => res.destroy());
  };
}

async function streamed(path: string, body: Record<string, unknown>): Promise<{ text: string; events: Array<Record<string, unknown>> }> {
  const response = await fetch(`${host.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await response.text();
  const events = sseEvents(text)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => ({ ...(JSON.parse(event.data) as Record<string, unknown>), eventLine: event.event }));
  return { text, events };
}

function expectWellFormedMessagesFailure(events: Array<Record<string, unknown>>): void {
  expect(events.filter((event) => event.type === 'error')).toHaveLength(1);
  expect(events.at(-1)?.type).toBe('error');
  expect(events.map((event) => event.type)).not.toContain('message_stop');
  for (const event of events) expect(event.eventLine).toBe(event.type);
  let open: unknown;
  let next = 0;
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect([open, event.index]).toEqual([undefined, next++]);
      open = event.index;
    } else if (event.type === 'content_block_delta') expect(event.index).toBe(open);
    else if (event.type === 'content_block_stop') {
      expect(event.index).toBe(open);
      open = undefined;
    }
  }
}

function expectWellFormedResponsesFailure(events: Array<Record<string, unknown>>): void {
  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  expect(events[0]?.type).toBe('response.created');
  const terminal = events.filter((event) => /^response\.(completed|incomplete|failed)$/.test(String(event.type)));
  expect(terminal.map((event) => event.type)).toEqual(['response.failed']);
  expect(events.at(-1)).toBe(terminal[0]);
  const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item);
  expect((terminal[0]?.response as { output: unknown[] }).output).toEqual(done);
}

function expectWellFormedChatFailure(text: string, events: Array<Record<string, unknown>>): void {
  expect(text).not.toContain('[DONE]');
  expect(events.at(-1)).toHaveProperty('error');
  expect(events.at(-1)).not.toHaveProperty('choices');
}

/** Every place a stream of `count` frames can fail, with every kind of failure. */
function cuts(count: number): Array<[number, Failure]> {
  return Array.from({ length: count + 1 }, (_, at) => FAILURES.map((failure): [number, Failure] => [at, failure])).flat();
}

test.each(cuts(CHAT_FRAMES.length))(
  'a chat provider that fails after frame %i (%s) ends Messages and Responses streams well formed',
  async (at, failure) => {
    observed.clear();
    failAfter(local, CHAT_FRAMES.slice(0, at), failure, CHAT_ERROR);
    expectWellFormedMessagesFailure(
      (await streamed('messages', { model: 'qwen/qwen3', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })).events,
    );
    failAfter(local, CHAT_FRAMES.slice(0, at), failure, CHAT_ERROR);
    expectWellFormedResponsesFailure((await streamed('responses', { model: 'qwen/qwen3', input: 'go' })).events);
    const ends = await observed.waitForEnds(2);
    expect(ends.map((end) => [end.endpoint, end.outcome])).toEqual([
      ['messages', 'error'],
      ['responses', 'error'],
    ]);
  },
);

test.each(cuts(ANTHROPIC_FRAMES.length))('Anthropic failing after frame %i (%s) ends chat and Responses streams well formed', async (at, failure) => {
  observed.clear();
  failAfter(anthropic, ANTHROPIC_FRAMES.slice(0, at), failure, ANTHROPIC_ERROR);
  const chat = await streamed('chat/completions', { model: 'anthropic/claude-sonnet-5-5', messages: [{ role: 'user', content: 'go' }] });
  expectWellFormedChatFailure(chat.text, chat.events);
  failAfter(anthropic, ANTHROPIC_FRAMES.slice(0, at), failure, ANTHROPIC_ERROR);
  expectWellFormedResponsesFailure((await streamed('responses', { model: 'anthropic/claude-sonnet-5-5', input: 'go' })).events);
  const ends = await observed.waitForEnds(2);
  expect(ends.map((end) => [end.endpoint, end.outcome])).toEqual([
    ['chat.completions', 'error'],
    ['responses', 'error'],
  ]);
});
