import { chatStreamCodec } from '../../../../lib/dialects/chat/stream-codec';
import { createChatToResponsesStream } from '../../../../lib/dialects/responses/from-chat/stream';
import type { ResponsesAnswerOptions } from '../../../../lib/dialects/responses/from-chat/items';
import { openEnvelope } from '../../../../lib/dialects/reasoning-envelope';
import { responsesStreamCodec } from '../../../../lib/dialects/responses/stream-codec';
import { parseResponsesSse, responsesStreamResult } from '../../../support/responses-stream';
import { replay, textTranslation } from '../../../support/text-translation';
import { chatChunkFrame, DONE_FRAME } from '../../../support/wire-frames';

const IDENTITY = { id: 'chatcmpl-1', created: 1, model: 'm' };
const ENVELOPE = { provider: 'anthropic', model: 'claude-opus-4-8' };

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return chatChunkFrame(IDENTITY, delta, finish);
}

/** A whole block's entry as an envelope keeps it: without the index that joined its streamed pieces. */
function withoutIndex(entry: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...entry };
  delete copy.index;
  return copy;
}

/** The items a client that builds its history from `response.output_item.done` (Codex) gets. */
function itemsOf(upstream: string, options: Partial<ResponsesAnswerOptions> = {}): Array<Record<string, unknown>> {
  const translation = textTranslation(
    createChatToResponsesStream({ model: 'local/m', catalog: new Map(), ...options }),
    chatStreamCodec,
    responsesStreamCodec,
  );
  const result = responsesStreamResult(parseResponsesSse(replay(translation, upstream)));
  expect(result.terminal).toBe('response.completed');
  // The completed response lists the same items, in the same order.
  expect(result.response?.output).toEqual(result.items);
  return result.items;
}

/** Each item as its type and what tells it apart: a call's id, a message's or reasoning's text. */
function shapes(items: Array<Record<string, unknown>>): string[] {
  return items.map((item) => {
    if (item.type === 'function_call') return `function_call ${String(item.call_id)}`;
    const [part] = item.content as Array<{ text: string }>;
    return `${String(item.type)} ${part?.text ?? ''}`;
  });
}

const redacted = { type: 'reasoning.encrypted', data: 'opaque-redacted', format: 'anthropic-claude-v1', index: 0 };

describe('createChatToResponsesStream keeps the order of items', () => {
  it('does not start a ready call before a lower-index call that still waits for its id and name', () => {
    const items = itemsOf(
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }) +
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }) +
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '"/a"}' } }] }) +
        chunk({}, 'tool_calls') +
        DONE_FRAME,
    );
    expect(items.map((item) => [item.call_id, item.name, item.arguments])).toEqual([
      ['call_a', 'Read', '{"path":"/a"}'],
      ['call_b', 'Bash', '{"command":"ls"}'],
    ]);
  });

  it('gives reasoning that comes after text a reasoning item of its own, and text after it a new message item', () => {
    const items = itemsOf(
      chunk({ reasoning_content: 'First thought.' }) +
        chunk({ content: 'Part one.' }) +
        chunk({ reasoning_content: 'Second thought.' }) +
        chunk({ content: 'Part two.' }, 'stop') +
        DONE_FRAME,
    );
    expect(shapes(items)).toEqual(['reasoning First thought.', 'message Part one.', 'reasoning Second thought.', 'message Part two.']);
  });

  it('seals the reasoning_details that came with each reasoning item in its own envelope', () => {
    const detail = (text: string, index: number) => ({
      type: 'reasoning.text',
      text,
      signature: `sig-${index}`,
      format: 'anthropic-claude-v1',
      index,
    });
    const items = itemsOf(
      chunk({ reasoning: 'One.', reasoning_details: [detail('One.', 0)] }) +
        chunk({ content: 'Text.' }) +
        chunk({ reasoning: 'Two.', reasoning_details: [detail('Two.', 1)] }) +
        chunk({ content: 'More.' }, 'stop') +
        DONE_FRAME,
      { envelope: ENVELOPE },
    );
    const envelopes = items.filter((item) => item.type === 'reasoning').map((item) => openEnvelope(item.encrypted_content));
    // A whole block keeps no index: the same answer unstreamed has none.
    expect(envelopes).toEqual([
      { ...ENVELOPE, text: 'One.', details: [withoutIndex(detail('One.', 0))] },
      { ...ENVELOPE, text: 'Two.', details: [withoutIndex(detail('Two.', 1))] },
    ]);
  });

  it('holds reasoning and text that come while a call is open, and sends them after it in the order they came', () => {
    const items = itemsOf(
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path"' } }] }) +
        chunk({ content: 'Reading.' }) +
        chunk({ reasoning_content: 'Then check it.' }) +
        chunk({ tool_calls: [{ index: 0, function: { arguments: ':"/a"}' } }] }) +
        chunk({}, 'tool_calls') +
        DONE_FRAME,
    );
    expect(shapes(items)).toEqual(['function_call call_a', 'message Reading.', 'reasoning Then check it.']);
    expect(items[0]?.arguments).toBe('{"path":"/a"}');
  });
});

describe('createChatToResponsesStream with reasoning_details and no reasoning text', () => {
  const redactedThenText = chunk({ reasoning_details: [redacted] }) + chunk({ content: 'Answer.' }, 'stop') + DONE_FRAME;

  it('opens a reasoning item with empty text whose envelope carries them, when the client asked for one', () => {
    const items = itemsOf(redactedThenText, { envelope: ENVELOPE });
    expect(shapes(items)).toEqual(['reasoning ', 'message Answer.']);
    expect(openEnvelope(items[0]?.encrypted_content)).toEqual({ ...ENVELOPE, text: '', details: [withoutIndex(redacted)] });
  });

  it('opens no reasoning item without an envelope to carry them', () => {
    expect(shapes(itemsOf(redactedThenText))).toEqual(['message Answer.']);
  });

  it('puts a signature that comes after the reasoning text in the same item', () => {
    const signature = { type: 'reasoning.text', signature: 'sig', format: 'anthropic-claude-v1', index: 0 };
    const items = itemsOf(
      chunk({ reasoning: 'Hmm.' }) + chunk({ reasoning_details: [signature] }) + chunk({ content: 'Yes.' }, 'stop') + DONE_FRAME,
      { envelope: ENVELOPE },
    );
    expect(shapes(items)).toEqual(['reasoning Hmm.', 'message Yes.']);
    expect(openEnvelope(items[0]?.encrypted_content)?.details).toEqual([signature]);
  });
});

describe('createChatToResponsesStream without an answer', () => {
  it('fails the response when the stream ends with no chunk of choice 0, as a whole answer without choices is a 502', () => {
    const translation = textTranslation(createChatToResponsesStream({ model: 'local/m', catalog: new Map() }), chatStreamCodec, responsesStreamCodec);
    const result = responsesStreamResult(parseResponsesSse(replay(translation, DONE_FRAME)));
    expect(result.terminal).toBe('response.failed');
    expect(result.response?.error).toEqual({ code: 'upstream_error', message: expect.stringContaining('without an answer') });
  });
});
