import { isRecord } from '../../is-record';
import { isSet } from '../../is-set';
import type { MessagesStreamEvent } from './stream-codec';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicRefusalStopDetails } from './wire';

/** Blocks whose input streams as `input_json_delta` after a start with an empty one. */
const INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/**
 * The stream a Messages upstream would have sent for `answer`, a whole `message` it sent instead
 * (a compatible server that ignores `stream: true`): `message_start` with no content, each block's
 * start, delta(s) and stop, `message_delta` with the stop reason and the usage, `message_stop`.
 * Undefined when `answer` is no message (`type: "message"` with a `content` list of blocks).
 */
export function messagesAnswerAsEvents(answer: unknown): MessagesStreamEvent[] | undefined {
  if (!isRecord(answer) || answer.type !== 'message' || !Array.isArray(answer.content) || !answer.content.every(isRecord)) return undefined;
  const { content, stop_reason: stopReason, stop_sequence: stopSequence, stop_details: stopDetails, usage, ...message } = answer;
  // How the turn stopped is told at its end, as the API streams it; the details too, when the answer had them.
  const details = stopDetails === undefined ? {} : { stop_details: stopDetails as AnthropicRefusalStopDetails | null };
  const started = { ...message, content: [], stop_reason: null, stop_sequence: null, ...(stopDetails === undefined ? {} : { stop_details: null }) };
  const events: MessagesStreamEvent[] = [
    // Anthropic counts the output in `message_delta`; the input is known from the start.
    {
      type: 'message_start',
      message: (isRecord(usage) ? { ...started, usage: { ...usage, output_tokens: 0 } } : started) as Partial<AnthropicMessage>,
    },
  ];
  (content as AnthropicContentBlock[]).forEach((block, index) => events.push(...blockEvents(block, index)));
  events.push({
    type: 'message_delta',
    delta: { stop_reason: (stopReason ?? null) as string | null, stop_sequence: (stopSequence ?? null) as string | null, ...details },
    ...(isRecord(usage) ? { usage } : {}),
  });
  events.push({ type: 'message_stop' });
  return events;
}

/** One block's start, its deltas (text, thinking and its signature, a tool's input) and its stop. */
function blockEvents(block: AnthropicContentBlock, index: number): MessagesStreamEvent[] {
  const fields = block as Record<string, unknown>;
  const events: MessagesStreamEvent[] = [];
  const delta = (value: Record<string, unknown>): void => {
    events.push({ type: 'content_block_delta', index, delta: value } as MessagesStreamEvent);
  };
  if (block.type === 'text' && typeof fields.text === 'string') {
    events.push({ type: 'content_block_start', index, content_block: { ...block, text: '' } as AnthropicContentBlock });
    if (fields.text !== '') delta({ type: 'text_delta', text: fields.text });
  } else if (block.type === 'thinking') {
    events.push({ type: 'content_block_start', index, content_block: { ...block, thinking: '', signature: '' } });
    if (typeof fields.thinking === 'string' && fields.thinking !== '') delta({ type: 'thinking_delta', thinking: fields.thinking });
    if (typeof fields.signature === 'string' && fields.signature !== '') delta({ type: 'signature_delta', signature: fields.signature });
  } else if (INPUT_BLOCKS.has(block.type) && isSet(fields.input)) {
    events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } as AnthropicContentBlock });
    delta({ type: 'input_json_delta', partial_json: JSON.stringify(fields.input) });
  } else {
    // Redacted thinking, a server tool's result and blocks to come: Anthropic sends them whole in their start.
    events.push({ type: 'content_block_start', index, content_block: block });
  }
  events.push({ type: 'content_block_stop', index });
  return events;
}
