import type { AnthropicStopReason } from '../wire';

/**
 * Maps an OpenAI `finish_reason` to the Anthropic `stop_reason` an Anthropic client expects.
 *
 * `stop` -> `end_turn`, `length` -> `max_tokens`, `tool_calls` / `function_call` -> `tool_use`,
 * `content_filter` -> `refusal`; anything else (including `null`, and OpenRouter's `error`) -> `end_turn`.
 */
export function mapFinishReasonToStopReason(reason: string | null | undefined): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/**
 * The stop reason of a finished turn: {@link mapFinishReasonToStopReason}, except that the turn's
 * content decides between `tool_use` and `end_turn`: a turn which produced tool calls but was
 * reported as finished normally ends in `tool_use`, and one reported as `tool_calls` that produced
 * none ends in `end_turn`. A turn whose only text is the provider's `refusal` (OpenAI's structured
 * outputs refusing, with `finish_reason: "stop"`) ends in `refusal`, as Anthropic's own refusal does.
 */
export function stopReasonForTurn(reason: string | null | undefined, producedToolCalls: boolean, refused = false): AnthropicStopReason {
  if (refused && !producedToolCalls) return 'refusal';
  const mapped = mapFinishReasonToStopReason(reason);
  // Some OpenAI-compatible servers (llama-server, Ollama) finish a tool-calling turn with `stop`;
  // Anthropic clients look for `tool_use` before running the tools.
  if (mapped === 'end_turn' && producedToolCalls) return 'tool_use';
  // And when their tool-call parser fails they report `tool_calls` with only text: Claude Code then
  // looks for a call that is not there, retries, and gives up on an answer it already has.
  if (mapped === 'tool_use' && !producedToolCalls) return 'end_turn';
  return mapped;
}

/**
 * `stop_reason` and `stop_sequence` of a finished turn: {@link stopReasonForTurn}, and
 * `stop_sequence` (with the sequence) when a turn that ended normally was ended by a stop sequence
 * the provider names (`matchedStopSequenceOf`), as Anthropic reports its own. Only one of the
 * client's own `stop_sequences` counts: a server may name a stop string of the model's own
 * configuration there, which the client never asked for.
 */
export function stopOfTurn(
  reason: string | null | undefined,
  producedToolCalls: boolean,
  refused: boolean,
  matchedStopSequence: string | undefined,
  requestedStopSequences: readonly string[],
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  const stopReason = stopReasonForTurn(reason, producedToolCalls, refused);
  if (stopReason === 'end_turn' && reason === 'stop' && matchedStopSequence !== undefined && requestedStopSequences.includes(matchedStopSequence)) {
    return { stop_reason: 'stop_sequence', stop_sequence: matchedStopSequence };
  }
  return { stop_reason: stopReason, stop_sequence: null };
}
