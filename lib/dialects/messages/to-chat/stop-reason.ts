import type { OpenAIFinishReason } from '../../chat/wire';

/**
 * Maps an Anthropic `stop_reason` to an OpenAI `finish_reason`: `end_turn` and `stop_sequence`
 * become `stop`, `max_tokens` and `model_context_window_exceeded` `length`, `tool_use`
 * `tool_calls`, `refusal` `content_filter`, and anything else (`pause_turn`, reasons added later,
 * none at all) `stop`.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function mapAnthropicStopReason(reason: string | null | undefined): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
