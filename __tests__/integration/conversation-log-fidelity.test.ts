/**
 * The conversation record keeps the conversation as the client sent it (DESIGN section 6,
 * docs/decisions.md "Telemetry"), on every route kind, for the requests real clients send: a chat
 * tool turn with an image and reasoning, Claude Code's requests (system blocks with
 * `cache_control`, thinking and tool turns) and Codex's (developer messages, a function call and
 * its output). Translations and passthrough edits work on copies: none reaches the record.
 */
import { fixtureJson } from '../support/fixtures';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postJson } from '../support/http-client';
import { observe } from '../support/observe';
import { waitUntil } from '../support/wait';

let fakes: Fakes;
let host: Host;
const seen = observe();
beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: envFor(fakes), conversationLogger: seen.conversationLogger });
  seen.listen(host.router);
});
afterAll(async () => {
  await host.close();
  await fakes.close();
});

const chatToolTurn = (): Record<string, unknown> => ({
  messages: [
    { role: 'system', content: 'sys' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'thought',
      tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    },
    { role: 'tool', tool_call_id: 'call_abc', content: 'r' },
  ],
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
  max_tokens: 20,
});
const claudeCode = (name: string) => (): Record<string, unknown> => structuredClone(fixtureJson<{ body: Record<string, unknown> }>(name).body);
const codex = (name: string) => (): Record<string, unknown> => structuredClone(fixtureJson(name));

const CASES: Array<[name: string, path: string, model: string, body: () => Record<string, unknown>]> = [
  ['chat → openai', 'chat/completions', 'gpt-4o-mini', chatToolTurn],
  ['chat → local', 'chat/completions', 'qwen3', chatToolTurn],
  ['chat → openrouter', 'chat/completions', 'openrouter/x/y', chatToolTurn],
  ['chat → anthropic', 'chat/completions', 'claude-sonnet-5-5', chatToolTurn],
  ['messages → anthropic (Claude Code prompt)', 'messages', 'anthropic/claude-sonnet-5-5', claudeCode('claude-code-request.json')],
  ['messages → anthropic (Claude Code tool turn)', 'messages', 'anthropic/claude-sonnet-5-5', claudeCode('claude-code-request-tool-turn.json')],
  ['messages → openai', 'messages', 'openai/gpt-5.5', claudeCode('claude-code-request-tool-turn.json')],
  ['messages → openrouter', 'messages', 'openrouter/x/y', claudeCode('claude-code-request-tool-turn.json')],
  ['messages → local', 'messages', 'local/qwen3', claudeCode('claude-code-request-tool-turn.json')],
  ['responses → openai', 'responses', 'openai/gpt-5.5', codex('codex-request-tool-turn.json')],
  ['responses → openrouter', 'responses', 'openrouter/x/y', codex('codex-request-tool-turn.json')],
  ['responses → local', 'responses', 'local/qwen3', codex('codex-request-tool-turn.json')],
  ['responses → anthropic (Codex prompt)', 'responses', 'anthropic/claude-sonnet-5-5', codex('codex-request.json')],
  ['responses → anthropic (Codex tool turn)', 'responses', 'anthropic/claude-sonnet-5-5', codex('codex-request-tool-turn.json')],
];

test.each(CASES)('%s: the record holds the conversation as sent, streamed or not', async (_name, path, model, makeBody) => {
  for (const stream of [false, true]) {
    seen.clear();
    const body: Record<string, unknown> = { ...makeBody(), model, stream };
    const sent = structuredClone(body);
    expect((await postJson(`${host.url}/v1/${path}`, body)).status).toBe(200);
    await waitUntil(() => seen.records.length === 1, 2000, 'the conversation record');
    const record = seen.records[0];
    if (path === 'responses') {
      expect(record?.messages).toEqual(typeof sent.input === 'string' ? [{ role: 'user', content: sent.input }] : sent.input);
      expect(record?.instructions).toEqual(sent.instructions);
    } else {
      expect(record?.messages).toEqual(sent.messages);
      if (path === 'messages') expect(record?.system).toEqual(sent.system);
    }
    expect(seen.ends()).toMatchObject([{ outcome: 'ok', stream }]);
  }
});
