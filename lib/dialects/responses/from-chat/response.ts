import type { ReceivedChatCompletion } from '../../chat/wire';
import { answerTextOf, translatableChoiceZero, isRefusal, namedToolCallsOf } from '../../chat/answer-message';
import { isRecord } from '../../../is-record';
import type { ResponsesItem, ResponsesResponse } from '../wire';
import {
  answerCallIds,
  envelopeFor,
  messageItem,
  newId,
  outputTextOf,
  reasoningItem,
  refusalItem,
  statusOf,
  toolCallItem,
  usageOf,
  type ResponsesAnswerOptions,
} from './items';
import { argumentsText } from '../../chat/tool-arguments';
import { reasoningTextOf } from '../../chat/content-parts';
import { extraContentOf } from '../../chat/call-extra-content';
import { markLastItemCut } from './cut-item';

/**
 * A non-streamed chat completion as a Responses `response` object: a `reasoning` item for the
 * provider's reasoning text (or for `reasoning_details` alone, or the tool calls' `extra_content`
 * alone, when the client asked for the envelope that carries them: the extras by `call_id`), a
 * `message` item for its text (`content` as a string or text parts, else the refusal), an item per
 * tool call as the client declared the tool (a call without a name throws: the client could not run
 * it), usage with cached and reasoning tokens, the status by finish reason (the last item
 * `incomplete` too when the answer was cut), and the request's settings as OpenAI repeats them
 * (`options.settings`). Only choice 0 is read; `model` is the one the client asked for.
 */
export function toResponse(completion: ReceivedChatCompletion, options: ResponsesAnswerOptions): ResponsesResponse {
  const choice = translatableChoiceZero(completion);
  const message = choice.message as Record<string, unknown> & (typeof choice)['message'];
  const output: ResponsesItem[] = [];
  const callItems: ResponsesItem[] = [];
  const callExtras: Record<string, Record<string, unknown>> = {};
  const callIds = answerCallIds(options);
  for (const call of namedToolCallsOf(message)) {
    const name = call.function?.name ?? '';
    const id = newId(options.catalog.get(name)?.kind === 'custom' ? 'ctc' : 'fc');
    // As a stream has them: a function call without arguments has `{}`, one without an id a fresh one.
    const callId = callIds.claim(call.id);
    const extra = extraContentOf(call);
    if (extra) callExtras[callId] = extra;
    callItems.push(toolCallItem(id, callId, name, argumentsText(call.function?.arguments) ?? '', options.catalog));
  }
  const thought = reasoningTextOf(message);
  const details = Array.isArray(message.reasoning_details) ? message.reasoning_details.filter(isRecord) : [];
  // Details or calls' extras alone (redacted or undisplayed thinking, Gemini's signatures) make an
  // item only for the envelope that carries them.
  if (thought !== '' || ((details.length > 0 || Object.keys(callExtras).length > 0) && options.envelope)) {
    output.push(reasoningItem(newId('rs'), thought, envelopeFor(options, thought, details, callExtras)));
  }
  const text = answerTextOf(message);
  if (isRefusal(message)) output.push(refusalItem(newId('msg'), text));
  else if (text !== '') output.push(messageItem(newId('msg'), text));
  output.push(...callItems);
  const status = statusOf(choice.finish_reason);
  if (status.status === 'incomplete') markLastItemCut(output);
  return {
    ...options.settings,
    id: newId('resp'),
    object: 'response',
    created_at: typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
    model: options.model,
    output,
    output_text: outputTextOf(output),
    ...status,
    usage: usageOf(completion.usage),
    error: null,
    store: false,
  };
}
