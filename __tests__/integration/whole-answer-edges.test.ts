/**
 * Edge cases of a whole JSON answer sent to a streamed request (whole-answer-streamed.test.ts has
 * the main ones): a Responses reasoning item with `reasoning_text` content, a refusal part and a
 * custom tool call; a Messages answer with no content, or with a server tool's call, its result and
 * citations; OpenRouter's error on the choice; pretty-printed JSON labelled `text/event-stream`; a
 * chat answer cut at the limit with no content, bridged to Responses; a second choice, left out of
 * a Messages client's stream as it is left out of its answer.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { createLocalProvider } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { observe } from '../support/observe';
import { sendJson } from '../support/upstream-answers';
import { chatAnswer, messagesAnswer, responsesAnswer } from '../support/whole-answers';

let openai: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream;
let host: Host;
const seen = observe();
beforeAll(async () => {
  [openai, local, anthropic] = await startFakeUpstreams('openai', 'local', 'anthropic');
  host = await startHost({
    env: envFor({ openai, local, anthropic }),
    providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
  });
  seen.listen(host.router);
});
afterEach(() => {
  [openai, local, anthropic].forEach((fake) => fake.reset());
  seen.clear();
});
afterAll(async () => {
  await host.close();
  await Promise.all([openai, local, anthropic].map((fake) => fake.close()));
});
const oa = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
const claude = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

test('Responses passthrough: reasoning_text content, a refusal part and a custom tool call reach responses.stream() as responses.create() gets them', async () => {
  const answer = {
    ...responsesAnswer('gpt-4o'),
    output: [
      { id: 'rs_1', type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'think' }], encrypted_content: 'enc' },
      { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: 'no' }] },
      { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_1', name: 'apply_patch', input: '*** Begin', status: 'completed' },
    ],
  };
  openai.handler = (_r, res) => sendJson(res, 200, answer);
  const plain = await oa().responses.create({ model: 'openai/gpt-4o', input: 'x' });
  const streamed = await oa().responses.stream({ model: 'openai/gpt-4o', input: 'x' }).finalResponse();
  // The SDK's finalResponse() adds `parsed: null` to a refusal part; the router sent the part as it came.
  const withoutParsed: unknown = JSON.parse(JSON.stringify(streamed.output), (key, value: unknown) =>
    key === 'parsed' && value === null ? undefined : value,
  );
  expect(withoutParsed).toEqual(plain.output);
});

test('Messages passthrough: an answer with no content reaches messages.stream() with none, and its stop reason', async () => {
  anthropic.handler = (_r, res) => sendJson(res, 200, { ...messagesAnswer('claude'), content: [], stop_reason: 'max_tokens' });
  const params = { model: 'anthropic/claude-sonnet-5-5', max_tokens: 1, messages: [{ role: 'user' as const, content: 'x' }] };
  const m = await claude().messages.stream(params).finalMessage();
  expect(m).toMatchObject({ content: [], stop_reason: 'max_tokens' });
});

test('Messages passthrough: a server tool call, its result and cited text reach messages.stream() as messages.create() gets them', async () => {
  const content = [
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
    {
      type: 'web_search_tool_result',
      tool_use_id: 'srvtoolu_1',
      content: [{ type: 'web_search_result', url: 'https://a', title: 't', encrypted_content: 'e', page_age: null }],
    },
    {
      type: 'text',
      text: 'cited',
      citations: [{ type: 'web_search_result_location', url: 'https://a', title: 't', encrypted_index: 'i', cited_text: 'c' }],
    },
  ];
  anthropic.handler = (_r, res) => sendJson(res, 200, { ...messagesAnswer('claude'), content, stop_reason: 'end_turn' });
  const params = { model: 'anthropic/claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'x' }] };
  const plain = await claude().messages.create(params);
  const m = await claude().messages.stream(params).finalMessage();
  expect(m.content).toEqual(plain.content);
});

test('chat passthrough: OpenRouter’s error on the choice fails the stream with its message, and request.end says error', async () => {
  const answer = chatAnswer('x');
  (answer.choices as Record<string, unknown>[])[0] = {
    index: 0,
    message: { role: 'assistant', content: 'part' },
    finish_reason: 'error',
    error: { code: 502, message: 'provider down' },
  };
  openai.handler = (_r, res) => sendJson(res, 200, answer);
  const stream = await oa().chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
  let failure: unknown;
  try {
    for await (const chunk of stream) void chunk;
  } catch (error) {
    failure = error;
  }
  expect(String(failure)).toContain('provider down');
  const [end] = await seen.waitForEnds(1);
  expect(end).toMatchObject({ outcome: 'error' });
});

test('pretty-printed JSON labelled text/event-stream is streamed as the answer it is', async () => {
  local.handler = (_r, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(JSON.stringify(chatAnswer('q'), null, 2));
  };
  let text = '';
  for await (const c of await oa().chat.completions.create({ model: 'local/q', messages: [{ role: 'user', content: 'x' }], stream: true }))
    text += c.choices[0]?.delta.content ?? '';
  expect(text).toBe('The answer is 4.');
});

test('Responses bridged: a chat answer cut at the limit with no content is the incomplete response responses.create() gets', async () => {
  const answer = chatAnswer('q');
  (answer.choices as Record<string, unknown>[])[0] = { index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' };
  local.handler = (_r, res) => sendJson(res, 200, answer);
  const plain = await oa().responses.create({ model: 'local/q', input: 'x' });
  const r = await oa().responses.stream({ model: 'local/q', input: 'x' }).finalResponse();
  expect(r.status).toBe('incomplete');
  expect(r.output).toEqual(plain.output);
});

test('a Messages client translated from chat: a second choice is left out of the stream as out of the answer', async () => {
  const answer = chatAnswer('q');
  const choices = answer.choices as Record<string, unknown>[];
  choices.push({ index: 1, message: { role: 'assistant', content: 'OTHER' }, finish_reason: 'stop' });
  local.handler = (_r, res) => sendJson(res, 200, answer);
  const params = { model: 'local/q', max_tokens: 100, messages: [{ role: 'user' as const, content: 'x' }] };
  const plain = await claude().messages.create(params);
  const m = await claude().messages.stream(params).finalMessage();
  expect(m.content).toEqual(plain.content);
  expect(JSON.stringify(m)).not.toContain('OTHER');
});
