import { ProviderRouterError } from '../../../errors';

/** The request fields the translation reads (`background` and the stateful ones to refuse them). */
const READ = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'text',
  'reasoning',
  'user',
  'safety_identifier',
  'stream',
  'background',
  'previous_response_id',
  'conversation',
]);

/**
 * The fields DESIGN section 11 lets the bridged and translated routes leave out: none changes what
 * the provider reads. `prompt_cache_options` (cache breakpoints and their lifetime) is a caching
 * hint for OpenAI, as `prompt_cache_key` and `prompt_cache_retention` are. `context_management` (server-side compaction) is on section 9's list: the
 * provider gets the whole conversation instead.
 */
const LEFT_OUT = new Set([
  'store',
  'include',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'service_tier',
  'truncation',
  'client_metadata',
  'metadata',
  'stream_options',
  'context_management',
]);

/** How to do without the fields OpenAI's API takes that no chat provider can. */
const HINTS: Record<string, string> = {
  prompt: 'a stored prompt template lives at OpenAI; send its text in `instructions` or `input`',
  top_logprobs: 'this route returns no log probabilities',
  max_tool_calls: 'chat completions has no limit on tool calls to pass it on as',
};

/**
 * Refuses a field the translation neither carries nor may leave out (DESIGN section 9: no 200 for
 * a request whose content the provider never saw). A field set to `null` is not set.
 * @throws ProviderRouterError 400 `unsupported_parameter`, `param` naming the field.
 */
export function refuseUncarriedFields(body: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined || value === null || READ.has(field) || LEFT_OUT.has(field)) continue;
    const hint = (Object.hasOwn(HINTS, field) ? HINTS[field] : undefined) ?? 'it has no equivalent in chat completions';
    throw new ProviderRouterError(
      'unsupported_parameter',
      `\`${field}\` cannot be sent to this provider (${hint}); send the request without it, or use a model of a provider that serves the Responses API itself.`,
      400,
      'invalid_request_error',
      undefined,
      field,
    );
  }
}
