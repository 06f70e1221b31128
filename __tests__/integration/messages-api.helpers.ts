/**
 * Helpers of the Messages API end-to-end tests: how each provider is addressed, and the OpenAI
 * tool-call answers the translated providers' fakes are scripted with.
 */
import { createHash } from 'node:crypto';
import { streamFixtureOf, type ProviderId } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { KEYS } from '../support/keys';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

/** How each provider is addressed in these tests, and what reaches its fake. */
export interface ProviderCase {
  provider: ProviderId;
  /** The `model` a client sends. */
  model: string;
  /** The `model` the upstream receives. */
  upstreamModel: string;
  /** True for OpenAI-compatible upstreams that get a translated chat completion request. */
  translated: boolean;
  /** The path (and query) the upstream receives for a Messages request without a query. */
  upstreamPath: string;
  /** The key the router sends this upstream (none for the local llama-server). */
  key: string | undefined;
}

/** Every provider, addressed by its prefix. */
export const PROVIDER_CASES: ProviderCase[] = [
  {
    provider: 'anthropic',
    model: 'anthropic/claude-sonnet-5-5',
    upstreamModel: 'claude-sonnet-5-5',
    translated: false,
    upstreamPath: '/v1/messages',
    key: KEYS.anthropic,
  },
  {
    provider: 'local',
    model: 'local/qwen',
    upstreamModel: 'qwen',
    translated: false,
    upstreamPath: '/v1/messages',
    key: undefined,
  },
  {
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini',
    translated: true,
    upstreamPath: '/v1/chat/completions',
    key: KEYS.openai,
  },
  {
    provider: 'openrouter',
    model: 'openrouter/meta-llama/llama-3.1-8b-instruct',
    upstreamModel: 'meta-llama/llama-3.1-8b-instruct',
    translated: true,
    upstreamPath: '/api/v1/chat/completions',
    key: KEYS.openrouter,
  },
];

/** The providers that get a chat completions request translated from the Messages request. */
export const TRANSLATED_CASES = PROVIDER_CASES.filter((c) => c.translated);
/** The providers that get the Messages request itself (Anthropic, llama-server). */
export const PASSTHROUGH_CASES = PROVIDER_CASES.filter((c) => !c.translated);

/** The case of `provider`. */
export function caseOf(provider: ProviderId): ProviderCase {
  return PROVIDER_CASES.find((c) => c.provider === provider)!;
}

/** The frames a provider's fake streams by default for the case's request (Anthropic frames for the passthrough upstreams). */
export function streamFramesOf(c: ProviderCase): string[] {
  return sseFrames(streamFixtureOf(c.provider, c.translated ? 'chat' : 'messages'));
}

// ---------------------------------------------------------------------------------------------
// Tool calls from OpenAI-compatible upstreams

/** The tool of the tool-call round trips, as a Messages client defines it. */
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object' as const,
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
  },
};

/** The id of the scripted OpenAI tool call. */
export const TOOL_CALL_ID = 'call_weather_1';
/** The arguments of the scripted OpenAI tool call. */
export const TOOL_INPUT = { location: 'San Francisco, CA', unit: 'celsius' };

/** A non-streamed chat completion that answers with one `get_weather` call. */
export function openAIToolCallCompletion(model: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-tool-1',
    object: 'chat.completion',
    created: 1741569952,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: TOOL_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(TOOL_INPUT) } }],
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
  };
}

/** A chat completion stream: a text run, then one `get_weather` call whose arguments come in fragments. */
export function openAIToolCallStreamFrames(model: string): string[] {
  const identity = { id: 'chatcmpl-tool-2', created: 1741569952, model };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    chatChunkFrame(identity, delta, finishReason, { logprobs: true });
  const args = (fragment: string) => ({ tool_calls: [{ index: 0, function: { arguments: fragment } }] });
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Let me check' }),
    chunk({ content: ' the weather.' }),
    chunk({ tool_calls: [{ index: 0, id: TOOL_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    chunk(args('{"loca')),
    chunk(args('tion": "San Fran')),
    chunk(args('cisco, CA", "un')),
    chunk(args('it": "celsius"}')),
    chunk({}, 'tool_calls'),
    chatUsageFrame(identity, { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 }),
    DONE_FRAME,
  ];
}

/** The SHA-256 of `text`, in hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
