/**
 * Faults found by reading the translation half line by line (dialects, providers, config), each
 * shown here against real HTTP servers: the router in a host, a fake provider speaking its wire.
 */
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';
import { chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';

interface LoggedRecord {
  response: { text: string; toolCalls: Array<{ id: string; name: string; arguments: string }> };
}

let local: FakeUpstream;
let host: Host;
let records: LoggedRecord[];

beforeAll(async () => {
  [local] = await startFakeUpstreams('local');
  host = await startHost({
    env: envFor({ local }),
    conversationLogger: { info: (_message: string, record: unknown) => records.push(record as LoggedRecord) } as never,
  });
});
beforeEach(() => {
  records = [];
});
afterEach(() => local.reset());
afterAll(async () => {
  await host.close();
  await local.close();
});

const IDENTITY = { id: 'chatcmpl-review', created: 1, model: 'qwen3' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null): string => chatChunkFrame(IDENTITY, delta, finish);

async function chat(stream: boolean): Promise<void> {
  const response = await fetch(`${host.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', stream, messages: [{ role: 'user', content: 'go' }] }),
  });
  await response.text();
  await waitUntil(() => records.length === 1, 3000, 'the conversation record');
}

describe('the conversation record of a streamed answer holds the calls the provider made', () => {
  const calls = [
    { id: 'call_a', name: 'Read', arguments: '{"path":"/a"}' },
    { id: 'call_b', name: 'Bash', arguments: '{"command":"ls"}' },
  ];

  test('several calls sent at index 0, each with its own id (Ollama-like servers), stay apart', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"/a"}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    await chat(true);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });

  test('a name repeated whole on every fragment is the name once', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '"/a"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    await chat(true);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });

  test('as the record of the same answer not streamed has them', async () => {
    local.handler = (_request, res) =>
      sendJson(
        res,
        200,
        chatCompletion(
          {
            role: 'assistant',
            content: null,
            tool_calls: calls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })),
          },
          'tool_calls',
        ),
      );
    await chat(false);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });
});
