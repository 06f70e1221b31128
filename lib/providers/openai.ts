import { createOpenAICompatibleProvider } from './openai-compatible';
import type { ProviderAdapter } from './provider-adapter';
import { OPENAI_MAX_TOOL_CALL_ID_LENGTH, withShortToolCallIds } from './short-tool-call-ids';

/** Settings of the OpenAI adapter. */
export interface OpenAIProviderSettings {
  /** With `/v1`, as the OpenAI SDK reads `OPENAI_BASE_URL`. @defaultValue 'https://api.openai.com/v1' */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
}

/**
 * Creates the OpenAI adapter: chat completions, completions and embeddings pass through. Chat
 * requests carry their token limit as `max_completion_tokens` (OpenAI's reasoning models refuse
 * `max_tokens`), `reasoning_effort` (on `/responses`, `reasoning`) goes only to its reasoning
 * models (a translated `max` as `xhigh` to those whose scale ends there), and translated requests
 * leave out `top_k`, which OpenAI refuses, and send tool call ids over 40 characters (which OpenAI
 * refuses too) as short ids made from them.
 */
export function createOpenAIProvider(settings: OpenAIProviderSettings): ProviderAdapter {
  const adapter = createOpenAICompatibleProvider({
    id: 'openai',
    baseUrl: settings.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: settings.apiKey,
    keyVariable: 'OPENAI_API_KEY',
  });
  return {
    ...adapter,
    servesResponses: true,
    adaptRequest(body, context) {
      // A Responses passthrough goes on as the client sent it, but for the effort field, which
      // gpt-4o, gpt-4.1 and the like refuse there too (`reasoning.effort`) with a 400.
      if (context.upstreamDialect === 'responses' && body.reasoning !== undefined && !isReasoningModel(String(body.model))) delete body.reasoning;
      // Otherwise only chat completions bodies.
      if (context.upstreamDialect !== 'openai' || (context.clientDialect === 'openai' && context.endpoint !== 'chat.completions')) return body;
      if (body.max_tokens !== undefined && body.max_tokens !== null) {
        body.max_completion_tokens ??= body.max_tokens;
        delete body.max_tokens;
      }
      if (context.clientDialect !== 'openai') {
        delete body.top_k;
        // A translated conversation may hold ids OpenAI never made, and refuses when long: a chat
        // client's own ids go on as it sent them.
        if (Array.isArray(body.messages)) body.messages = withShortToolCallIds(body.messages, OPENAI_MAX_TOOL_CALL_ID_LENGTH);
      }
      // gpt-4o, gpt-4.1 and the like refuse the field with a 400.
      if (body.reasoning_effort !== undefined && !isReasoningModel(typeof body.model === 'string' ? body.model : '')) delete body.reasoning_effort;
      // A translated "max" (Anthropic's top effort, a large thinking budget) goes to a model whose
      // scale ends at xhigh as its highest. A chat client's own value goes on as sent.
      if (body.reasoning_effort === 'max' && context.clientDialect !== 'openai' && !takesMaxEffort(String(body.model)))
        body.reasoning_effort = 'xhigh';
      return body;
    },
  };
}

/**
 * Whether an OpenAI model's effort scale goes up to `max`: `gpt-5.6` and later (`gpt-6.2-sol`), as
 * OpenAI lists their efforts (low to max); `gpt-5.5` and earlier end at `xhigh`.
 */
export function takesMaxEffort(id: string): boolean {
  const version = /^gpt-(\d+)(?:\.(\d+))?/.exec(id.startsWith('ft:') ? id.slice(3) : id);
  if (!version) return false;
  const [major, minor] = [Number(version[1]), Number(version[2] ?? 0)];
  return major > 5 || (major === 5 && minor >= 6);
}

/**
 * OpenAI's reasoning models: `o` and a digit, and `gpt-5` and later except their `-chat` variants;
 * a fine-tuned model (`ft:o4-mini-2025-04-16:org::id`) as its base model.
 */
export function isReasoningModel(id: string): boolean {
  const model = id.startsWith('ft:') ? id.slice(3) : id;
  if (/^o\d/.test(model)) return true;
  const generation = /^gpt-(\d+)/.exec(model);
  return generation !== null && Number(generation[1]) >= 5 && !/-chat(-|$)/.test(model);
}
