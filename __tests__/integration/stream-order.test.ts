/**
 * Blocks and items in order (DESIGN sections 9 and 10): a chat completions stream translated for a
 * Messages client (the Anthropic SDK) and a Responses client (the `openai` SDK) keeps its tool calls
 * in index order, and its reasoning where it came, however the provider interleaves them; the
 * conversation log and telemetry keep reading the provider's answer as it was.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { routerSignature } from '../../lib/dialects/messages/router-signature';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';
import { chatChunkFrame, DONE_FRAME } from '../support/wire-frames';

interface LoggedRecord {
  response: { text: string; reasoning?: string };
}

let local: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];
let records: LoggedRecord[];

beforeAll(async () => {
  [local] = await startFakeUpstreams('local');
  // A provider declared in env serves chat completions only: Messages and Responses are translated.
  host = await startHost({
    env: { ...envFor({}), OPENAI_COMPATIBLE_PROVIDERS: 'qwen', QWEN_BASE_URL: local.baseUrl },
    conversationLogger: { info: (_message: string, record: unknown) => records.push(record as LoggedRecord) } as never,
  });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => {
  ends = [];
  records = [];
});
afterEach(() => local.reset());
afterAll(async () => {
  await host.close();
  await local.close();
});

const IDENTITY = { id: 'chatcmpl-order', created: 1, model: 'qwen3' };

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return chatChunkFrame(IDENTITY, delta, finish);
}

/** The provider answers every request with `frames`, then `[DONE]`. */
function answerWith(frames: string[]): void {
  local.handler = (_request, res) => sendFrames(res, [...frames, DONE_FRAME]);
}

const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
const responsesClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const ASK = { model: 'qwen/qwen3', max_tokens: 100, messages: [{ role: 'user' as const, content: 'go' }] };

/** The raw Messages stream, as `[event, block index, block type]` for each block start and stop. */
async function blockEvents(): Promise<Array<[string, unknown, unknown]>> {
  const response = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...ASK, stream: true }),
  });
  return (await response.text())
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as { type: string; index?: number; content_block?: { type: string } })
    .filter((event) => event.type === 'content_block_start' || event.type === 'content_block_stop')
    .map((event) => [event.type, event.index, event.content_block?.type]);
}

describe('tool calls in index order', () => {
  // Call 0 is announced without its id and name; call 1 comes complete before call 0 gets them.
  const lateFirstCall = [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, type: 'function', function: { arguments: '{"path":' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'Read' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"/a"}' } }] }),
    chunk({}, 'tool_calls'),
  ];

  test('a Messages client gets call 0 as block 0 though call 1 was ready first, each block whole and in turn', async () => {
    answerWith(lateFirstCall);
    const message = await messagesClient().messages.stream(ASK).finalMessage();
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { path: '/a' } },
      { type: 'tool_use', id: 'call_b', name: 'Bash', input: { command: 'ls' } },
    ]);
    expect(await blockEvents()).toEqual([
      ['content_block_start', 0, 'tool_use'],
      ['content_block_stop', 0, undefined],
      ['content_block_start', 1, 'tool_use'],
      ['content_block_stop', 1, undefined],
    ]);
  });

  test('a Responses client gets call 0 as the first item though call 1 was ready first', async () => {
    answerWith(lateFirstCall);
    const response = await responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse();
    expect(response.output.map((item) => (item.type === 'function_call' ? [item.call_id, item.name, item.arguments] : item.type))).toEqual([
      ['call_a', 'Read', '{"path":"/a"}'],
      ['call_b', 'Bash', '{"command":"ls"}'],
    ]);
  });
});

describe('a call announced before any piece of a lower-index call', () => {
  // Call 1 comes complete while text streams; call 0 is announced only after it.
  const higherIndexFirst = [
    chunk({ role: 'assistant', content: 'Both.' }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"/a"}' } }] }),
    chunk({}, 'tool_calls'),
  ];

  test('a Messages client still gets call 0 as the first tool_use block', async () => {
    answerWith(higherIndexFirst);
    const message = await messagesClient().messages.stream(ASK).finalMessage();
    expect(message.content.map((block) => (block.type === 'tool_use' ? block.id : block.type))).toEqual(['text', 'call_a', 'call_b']);
  });

  test('a Responses client still gets call 0 as the first function_call item', async () => {
    answerWith(higherIndexFirst);
    const response = await responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse();
    expect(response.output.map((item) => (item.type === 'function_call' ? item.call_id : item.type))).toEqual(['message', 'call_a', 'call_b']);
  });
});

describe('a tool name that comes in pieces', () => {
  // The call is started only once its whole name is known: its arguments began, or another call did.
  const nameInPieces = [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { name: 'weather', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Oslo"}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'no_' } }] }),
    chunk({ tool_calls: [{ index: 1, function: { name: 'args' } }] }),
    chunk({}, 'tool_calls'),
  ];

  // Codex's exec_command as a provider sent it: arguments first, then the name in two pieces.
  const nameAfterArguments = [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { arguments: '{"cmd":"echo ' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { name: 'exec_' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { name: 'command', arguments: 'hi"}' } }] }),
    chunk({}, 'tool_calls'),
  ];

  test.each([
    ['before its arguments', nameInPieces, ['get_weather', 'no_args']],
    ['after its first arguments', nameAfterArguments, ['exec_command']],
  ])('in pieces %s, reaches a Messages client whole', async (_when, frames, names) => {
    answerWith(frames);
    const message = await messagesClient().messages.stream(ASK).finalMessage();
    expect(message.content.map((block) => (block.type === 'tool_use' ? block.name : block.type))).toEqual(names);
  });

  test('after its first arguments, reaches a Responses client whole, its arguments too', async () => {
    answerWith(nameAfterArguments);
    const response = await responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse();
    expect(response.output.map((item) => (item.type === 'function_call' ? [item.name, item.arguments] : item.type))).toEqual([
      ['exec_command', '{"cmd":"echo hi"}'],
    ]);
  });

  test('reaches a Responses client whole, in the item added and done', async () => {
    answerWith(nameInPieces);
    const names: string[] = [];
    const stream = responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' });
    stream.on('response.output_item.added', (event) => names.push(event.item.type === 'function_call' ? event.item.name : event.item.type));
    const response = await stream.finalResponse();
    expect(names).toEqual(['get_weather', 'no_args']);
    expect(response.output.map((item) => (item.type === 'function_call' ? [item.call_id, item.name, item.arguments] : item.type))).toEqual([
      ['call_a', 'get_weather', '{"city":"Oslo"}'],
      ['call_b', 'no_args', '{}'],
    ]);
  });
});

describe('reasoning that comes after the answer began', () => {
  const lateReasoning = [
    chunk({ role: 'assistant', reasoning_content: 'Say hello first.' }),
    chunk({ content: 'Hello.' }),
    chunk({ reasoning_content: 'Now the ' }),
    chunk({ reasoning_content: 'answer.' }),
    chunk({ content: ' It is 51.' }),
    chunk({}, 'stop'),
  ];

  test('reaches a Messages client as a second thinking block, signed by the router, between the two texts', async () => {
    answerWith(lateReasoning);
    const message = await messagesClient().messages.stream(ASK).finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Say hello first.', signature: routerSignature('Say hello first.') },
      { type: 'text', text: 'Hello.' },
      { type: 'thinking', thinking: 'Now the answer.', signature: routerSignature('Now the answer.') },
      { type: 'text', text: ' It is 51.' },
    ]);
    expect((await blockEvents()).filter(([event]) => event === 'content_block_start').map(([, index, type]) => [index, type])).toEqual([
      [0, 'thinking'],
      [1, 'text'],
      [2, 'thinking'],
      [3, 'text'],
    ]);
  });

  test('reaches a Responses client as a second reasoning item between two message items', async () => {
    answerWith(lateReasoning);
    const response = await responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse();
    const texts = (item: OpenAI.Responses.ResponseOutputItem) =>
      item.type === 'message' || item.type === 'reasoning' ? (item.content ?? []).map((part) => ('text' in part ? part.text : part.type)) : [];
    expect(response.output.map((item) => [item.type, ...texts(item)])).toEqual([
      ['reasoning', 'Say hello first.'],
      ['message', 'Hello.'],
      ['reasoning', 'Now the answer.'],
      ['message', ' It is 51.'],
    ]);
    expect(response.output_text).toBe('Hello. It is 51.');
  });

  test.each([
    ['Messages', () => messagesClient().messages.stream(ASK).finalMessage()],
    ['Responses', () => responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse()],
  ])('the conversation log of a %s client keeps all the reasoning apart from all the text; telemetry times both', async (_client, ask) => {
    answerWith(lateReasoning);
    await ask();
    await waitUntil(() => records.length === 1 && ends.length === 1, 3000, 'the record and request.end');
    expect(records[0]?.response).toMatchObject({ text: 'Hello. It is 51.', reasoning: 'Say hello first.Now the answer.' });
    expect(ends[0]).toMatchObject({ outcome: 'ok', firstReasoningMs: expect.any(Number), firstTokenMs: expect.any(Number) });
    expect(ends[0]!.firstReasoningMs!).toBeLessThanOrEqual(ends[0]!.firstTokenMs!);
  });
});
