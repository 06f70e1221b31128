/**
 * Prompt caching for chat clients on Anthropic: the `cache_control` markers that OpenRouter,
 * LiteLLM and Portkey take in chat completions (on a content part, a message, a tool, the request)
 * reach Anthropic where it reads them, through the official `openai` SDK and a real Express host,
 * streamed and not; the cache counts Anthropic answers with come back as OpenAI's
 * `prompt_tokens_details.cached_tokens`. Without the markers carried, each turn of a long
 * conversation would be billed in full at Anthropic.
 */
import OpenAI from 'openai';
import { CLIENT_TOKEN } from '../support/keys';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { anthropicMessage, anthropicStreamFrames } from '../support/wire-frames';

const fakes = useFakes();
const host = useHost(fakes);
afterEach(() => {
  host.ends.length = 0;
});

const client = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
const EPHEMERAL = { type: 'ephemeral' } as const;
const HOUR = { type: 'ephemeral', ttl: '1h' } as const;
const MANUAL = 'The manual, long enough to be worth caching.';

/** Anthropic's usage for a prompt of 1,000 tokens of which 900 were read from the cache. */
const CACHED_USAGE = { input_tokens: 60, cache_read_input_tokens: 900, cache_creation_input_tokens: 40, output_tokens: 5 };

/** A conversation marked as OpenRouter's docs show it, with a marker on each kind of owner. */
const MARKED = {
  model: 'anthropic/claude-sonnet-5-5',
  cache_control: EPHEMERAL,
  messages: [
    {
      role: 'system',
      content: [
        { type: 'text', text: MANUAL, cache_control: HOUR },
        { type: 'text', text: 'Be brief.' },
      ],
    },
    { role: 'user', content: 'What does the manual say about caching?', cache_control: EPHEMERAL },
  ],
  tools: [{ type: 'function', function: { name: 'search_manual', parameters: { type: 'object', properties: {} } }, cache_control: EPHEMERAL }],
} as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

test.each([false, true])('markers reach Anthropic on the blocks they mark, and its cache counts come back (streamed %s)', async (stream) => {
  fakes.anthropic.handler = (_request, res) => {
    if (!stream) return sendJson(res, 200, anthropicMessage('claude-sonnet-5-5', [{ type: 'text', text: 'It helps.' }], 'end_turn', CACHED_USAGE));
    const { output_tokens: outputTokens, ...startUsage } = CACHED_USAGE;
    sendFrames(
      res,
      anthropicStreamFrames({
        model: 'claude-sonnet-5-5',
        text: 'It helps.',
        stopReason: 'end_turn',
        startUsage: { ...startUsage, output_tokens: 1 },
        endUsage: { output_tokens: outputTokens },
      }),
    );
  };

  let usage: OpenAI.Completions.CompletionUsage | null | undefined;
  if (stream) {
    const chunks = await client().chat.completions.create({ ...MARKED, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of chunks) usage = chunk.usage ?? usage;
  } else {
    usage = (await client().chat.completions.create(MARKED)).usage;
  }

  const sent = fakes.anthropic.requests[0]!.body!;
  expect(sent.cache_control).toEqual(EPHEMERAL);
  expect(sent.system).toEqual([
    { type: 'text', text: MANUAL, cache_control: HOUR },
    { type: 'text', text: '\nBe brief.' },
  ]);
  expect(sent.messages).toEqual([
    { role: 'user', content: [{ type: 'text', text: 'What does the manual say about caching?', cache_control: EPHEMERAL }] },
  ]);
  expect(sent.tools).toEqual([{ name: 'search_manual', input_schema: { type: 'object', properties: {} }, cache_control: EPHEMERAL }]);
  expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 900 } });
  expect(host.ends).toEqual([
    expect.objectContaining({ provider: 'anthropic', outcome: 'ok', usage: expect.objectContaining({ promptTokens: 1000 }) }),
  ]);
});

test('a marker that is not an object is a 400 naming it, and nothing reaches Anthropic', async () => {
  const body = { ...MARKED, messages: [{ role: 'user', content: 'Hi', cache_control: 'ephemeral' }] } as unknown as typeof MARKED;
  const error = await rejectionOf(client().chat.completions.create(body), OpenAI.BadRequestError);
  expect(error.param).toBe('messages[0].cache_control');
  expect(fakes.anthropic.requests).toHaveLength(0);
});

test('on passthrough to OpenRouter the markers go on as the client wrote them', async () => {
  await client().chat.completions.create({ ...MARKED, model: 'openrouter/anthropic/claude-sonnet-5-5' });
  const sent = fakes.openrouter.requests[0]!.body!;
  expect(sent).toMatchObject({ cache_control: EPHEMERAL, messages: MARKED.messages, tools: MARKED.tools });
});
