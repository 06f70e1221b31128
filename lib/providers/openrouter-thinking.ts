import { isRecord } from '../is-record';

/**
 * Whether effort sent to OpenRouter for this chat request would turn on thinking that Anthropic
 * then refuses: OpenRouter hands `anthropic/...` models' requests to Anthropic, which refuses a tool
 * loop with thinking on when the last assistant turn calls tools without the signed thinking that
 * opened it (`reasoning_details` carrying Anthropic's signature or its encrypted block). Such a turn
 * comes from another model (a Claude Code session that moved here, or a fallback model) or lost its
 * thinking; DESIGN section 10 leaves thinking off for that request, as the Anthropic adapter does.
 */
export function losesAnthropicThinking(body: Record<string, unknown>): boolean {
  if (typeof body.model !== 'string' || !body.model.startsWith('anthropic/') || !Array.isArray(body.messages)) return false;
  const lastAssistant = body.messages.findLast((message) => isRecord(message) && message.role === 'assistant') as unknown;
  if (!isRecord(lastAssistant) || !Array.isArray(lastAssistant.tool_calls) || lastAssistant.tool_calls.length === 0) return false;
  const details = Array.isArray(lastAssistant.reasoning_details) ? lastAssistant.reasoning_details : [];
  return !details.some(
    (detail) =>
      isRecord(detail) &&
      ((detail.type === 'reasoning.text' && typeof detail.signature === 'string' && detail.signature !== '') ||
        (detail.type === 'reasoning.encrypted' && typeof detail.data === 'string' && detail.data !== '')),
  );
}
