import type { ReceivedChatCompletion } from '../../../../lib/dialects/chat/wire';
import { toResponse } from '../../../../lib/dialects/responses/from-chat/response';
import { openEnvelope } from '../../../../lib/dialects/responses/reasoning-envelope';

const ENVELOPE = { provider: 'anthropic', model: 'claude-opus-4-8' };
const redacted = { type: 'reasoning.encrypted', data: 'opaque-redacted', format: 'anthropic-claude-v1', index: 0 };

/** The answer's items as a client reads them, any field by name. */
function outputOf(response: ReturnType<typeof toResponse>): Array<Record<string, unknown>> {
  return response.output as Array<Record<string, unknown>>;
}

function completion(message: Record<string, unknown>, finish = 'stop'): ReceivedChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
  } as unknown as ReceivedChatCompletion;
}

describe('toResponse', () => {
  it('gives reasoning_details without reasoning text a reasoning item with empty text, whose envelope carries them', () => {
    const answer = completion({ content: 'Answer.', reasoning_details: [redacted] });
    const output = outputOf(toResponse(answer, { model: 'anthropic/claude-opus-4-8', catalog: new Map(), envelope: ENVELOPE }));
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: '' }] });
    expect(openEnvelope(output[0]?.encrypted_content)).toEqual({ ...ENVELOPE, text: '', details: [redacted] });
  });

  it('makes no reasoning item of reasoning_details alone when the client asked for no envelope', () => {
    const answer = completion({ content: 'Answer.', reasoning_details: [redacted] });
    expect(toResponse(answer, { model: 'm', catalog: new Map() }).output.map((item) => item.type)).toEqual(['message']);
  });

  it('keeps the tool calls in the order the provider gave them', () => {
    const call = (id: string, name: string) => ({ id, type: 'function', function: { name, arguments: '{}' } });
    const answer = completion({ content: null, tool_calls: [call('call_a', 'a'), call('call_b', 'b'), call('call_c', 'c')] }, 'tool_calls');
    expect(outputOf(toResponse(answer, { model: 'm', catalog: new Map() })).map((item) => item.call_id)).toEqual(['call_a', 'call_b', 'call_c']);
  });
});
