import { isRecord } from '../is-record';
import { asEffort, budgetOfEffort } from '../dialects/effort';
import { isUnverifiableSignature } from '../dialects/messages/router-signature';
import { callsToolsWithoutThinking } from '../dialects/messages/tool-turn-thinking';

/** How effort reaches Anthropic: adaptive thinking with `output_config.effort`, or a thinking budget (older models). */
export type AnthropicThinkingMode = 'adaptive' | 'budget';

type Body = Record<string, unknown>;

/**
 * Leaves out the thinking blocks Anthropic cannot have signed (the router's own, or blocks with an
 * empty or missing signature: llama-server's Messages endpoint sends those), which it refuses with
 * a 400. Thinking is then left off for this request when the last assistant turn calls tools and
 * lost its thinking: when the router left a block out of it here, or, with thinking enabled (a
 * budget), when it does not open with thinking (Claude Code drops signed thinking from turns another
 * model answered). Anthropic refuses such a tool loop; adaptive thinking may skip a turn's thinking,
 * so there a turn without it is Anthropic's own and is kept as it is. A turn without tool calls
 * needs no thinking back, so thinking stays on after one (unless it is the final message, a
 * prefill, which must open with thinking too). The client's messages are not changed; changed
 * turns are copies.
 */
export function withoutUnverifiableThinking(body: Body): void {
  if (!Array.isArray(body.messages)) return;
  const original = body.messages as unknown[];
  const lastAssistant = original.findLastIndex((message) => isRecord(message) && message.role === 'assistant');
  let lastLostThinking = false;
  const messages: unknown[] = [];
  for (const [index, message] of original.entries()) {
    const kept = withoutUnsignedThinking(message);
    if (kept !== message && index === lastAssistant) lastLostThinking = continuesFromTurn(message, index === original.length - 1);
    if (kept !== undefined) messages.push(kept);
  }
  if (messages.length !== original.length || messages.some((message, index) => message !== original[index])) body.messages = messages;
  if (lastAssistant < 0) return;
  const thinkingEnabled = isRecord(body.thinking) && body.thinking.type === 'enabled';
  if (lastLostThinking || (thinkingEnabled && callsToolsWithoutThinking(original[lastAssistant]))) withoutThinking(body);
}

/**
 * Whether Anthropic needs an assistant turn's thinking back to go on from it: when it calls tools
 * (the tool loop goes on from it), or when it is the final message (a prefill the answer continues).
 */
function continuesFromTurn(message: unknown, isFinal: boolean): boolean {
  if (isFinal) return true;
  return isRecord(message) && Array.isArray(message.content) && message.content.some((block) => isRecord(block) && block.type === 'tool_use');
}

/**
 * An assistant turn without the thinking blocks Anthropic cannot have signed: the turn itself, a
 * copy, or undefined when nothing else was in it (a turn that only thought before it was cut off).
 * Anthropic refuses an empty turn; the turns on either side of a dropped one it joins itself.
 */
function withoutUnsignedThinking(message: unknown): unknown {
  if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content)) return message;
  const kept = (message.content as unknown[]).filter(
    (block) => !(isRecord(block) && block.type === 'thinking' && isUnverifiableSignature(block.signature)),
  );
  if (kept.length === message.content.length) return message;
  return kept.length > 0 ? { ...message, content: kept } : undefined;
}

/**
 * Thinking off for this request: no `thinking`, no effort, and none of Claude Code's
 * `context_management` edits that clear thinking (Anthropic refuses `clear_thinking_*` without
 * thinking on).
 */
function withoutThinking(body: Body): void {
  delete body.thinking;
  if (isRecord(body.output_config)) withoutEffort(body, body.output_config);
  const management = body.context_management;
  if (!isRecord(management) || !Array.isArray(management.edits)) return;
  const edits = (management.edits as unknown[]).filter(
    (edit) => !(isRecord(edit) && typeof edit.type === 'string' && edit.type.startsWith('clear_thinking')),
  );
  if (edits.length === management.edits.length) return;
  const rest = Object.fromEntries(Object.entries(management).filter(([key]) => key !== 'edits'));
  if (edits.length > 0) body.context_management = { ...rest, edits };
  else if (Object.keys(rest).length > 0) body.context_management = rest;
  else delete body.context_management;
}

/**
 * A translated request's thinking in the form the model takes: with `budget`, adaptive thinking
 * and its effort become `thinking: {type: "enabled", budget_tokens}`, kept below `max_tokens`
 * (left off when less than 1024 would remain). With thinking on, the sampling parameters
 * Anthropic refuses alongside it are left out.
 */
export function shapeThinking(body: Body, mode: AnthropicThinkingMode): void {
  const thinking = isRecord(body.thinking) ? body.thinking : undefined;
  if (!thinking) return;
  if (mode === 'budget' && thinking.type === 'adaptive') {
    const config = isRecord(body.output_config) ? body.output_config : {};
    const effort = asEffort(config.effort) ?? 'medium';
    withoutEffort(body, config);
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
    const budget = Math.min(budgetOfEffort(effort), maxTokens - 1);
    if (budget < 1024) {
      withoutThinking(body);
      return;
    }
    body.thinking = { type: 'enabled', budget_tokens: budget };
  }
  // Thinking takes neither temperature nor top_k, and top_p only from 0.95.
  delete body.temperature;
  delete body.top_k;
  if (typeof body.top_p === 'number' && body.top_p < 0.95) delete body.top_p;
}

/** `output_config` without its `effort` (a copy), or none when nothing else was in it. */
function withoutEffort(body: Body, config: Record<string, unknown>): void {
  const rest = Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'effort'));
  if (Object.keys(rest).length > 0) body.output_config = rest;
  else delete body.output_config;
}
