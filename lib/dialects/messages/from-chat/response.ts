import type { AnthropicContentBlock, AnthropicMessage } from '../wire';
import type { ReceivedChatCompletion } from '../../chat/wire';
import { answerTextOf, translatableChoiceZero, namedToolCallsOf, isRefusal } from '../../chat/answer-message';
import { stopOfTurn } from './stop-reason';
import { matchedStopSequenceOf } from '../../chat/stop-sequence';
import { anthropicUsageOf } from './usage';
import { routerSignature } from '../router-signature';
import { providerDetailsOf, thinkingBlocksOf } from '../to-chat/reasoning-details';
import { carryingSignature, type Reasoner } from '../provider-reasoning';
import { generatedMessageId, parseToolInput, toolUseIds } from './ids';
import type { UniqueIds } from '../../unique-ids';
import { argumentsText } from '../../chat/tool-arguments';
import { reasoningTextOf } from '../../chat/content-parts';
import { extraContentOf } from '../../chat/call-extra-content';

/**
 * Translates a non-streamed chat completion into an Anthropic Messages response.
 *
 * Content: a text block for the first choice's text (`content`, as a string or text parts, else
 * its `refusal`), then one `tool_use` block per tool call with `input` parsed from
 * `arguments` (`{}` when empty or cut off by the output limit; arguments that are not a JSON object
 * otherwise throw, and so does a call without a name). `stop_reason` from the finish reason
 * ({@link stopOfTurn}: `stop_sequence` where the provider names the stop string that ended it); usage from `prompt_tokens` / `completion_tokens`, with the cached prompt tokens as
 * `cache_read_input_tokens` ({@link anthropicUsageOf}).
 * Reasoning comes first: Anthropic's own blocks when the provider relayed them in
 * `reasoning_details` (OpenRouter: each signed block, and redacted ones), else the reasoning text
 * (`reasoning_content` or `reasoning`) as one `thinking` block signed by the router. With a
 * `reasoner` (a provider that takes `reasoning_details` back), the provider's own entries go in
 * the router's signature: of that block, or of an empty one when there is no reasoning text; so
 * does, with an `origin`, the `extra_content` of each tool call (Gemini's thought signatures), by
 * `tool_use` id.
 */
export function toAnthropicMessage(
  completion: ReceivedChatCompletion,
  ids: UniqueIds = toolUseIds(),
  reasoner?: Reasoner,
  origin: Reasoner | undefined = reasoner,
  stopSequences: readonly string[] = [],
): AnthropicMessage {
  const choice = translatableChoiceZero(completion);
  const message = choice.message;
  const content: AnthropicContentBlock[] = [];

  const reasoning = message as { reasoning_content?: unknown; reasoning?: unknown; reasoning_details?: unknown } | undefined;
  // Anthropic's own blocks, relayed (OpenRouter): each with its signature, redacted ones too.
  const relayed = thinkingBlocksOf(reasoning?.reasoning_details);
  const thought = nonEmptyString(reasoningTextOf(reasoning));
  // The provider's own entries (Gemini's thought signatures), carried in the router's signature.
  const carried = reasoner ? providerDetailsOf(reasoning?.reasoning_details) : [];

  const toolUses: AnthropicContentBlock[] = [];
  const callExtras: Record<string, Record<string, unknown>> = {};
  for (const call of namedToolCallsOf(message)) {
    const name = call.function?.name ?? '';
    const id = ids.claim(call.id);
    const extra = extraContentOf(call);
    if (extra && origin) callExtras[id] = extra;
    toolUses.push({
      type: 'tool_use',
      id,
      name,
      input: parseToolInput(argumentsText(call.function?.arguments), name, choice.finish_reason === 'length'),
    });
  }
  const carries = (reasoner !== undefined && carried.length > 0) || Object.keys(callExtras).length > 0;
  const ownSignature = (thinking: string): string =>
    carries && origin ? carryingSignature(origin, reasoner ? carried : [], callExtras) : routerSignature(thinking);
  content.push(...relayed);
  if (relayed.length === 0 && thought !== undefined) content.push({ type: 'thinking', thinking: thought, signature: ownSignature(thought) });
  else if (carries) content.push({ type: 'thinking', thinking: '', signature: ownSignature('') });

  const text = answerTextOf(message);
  // Text of only whitespace beside other blocks (a model's "\n\n" before its calls) is left out, as
  // Anthropic refuses it in the turn sent back; an answer of nothing else keeps it.
  if (text !== '' && (text.trim() !== '' || (content.length === 0 && toolUses.length === 0))) content.push({ type: 'text', text });
  content.push(...toolUses);

  const hasToolUse = content.some((block) => block.type === 'tool_use');
  return {
    id: generatedMessageId(),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    ...stopOfTurn(choice.finish_reason, hasToolUse, isRefusal(message), matchedStopSequenceOf(choice), stopSequences),
    usage: anthropicUsageOf(completion.usage),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
