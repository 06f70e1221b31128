import { FailedAnswerError } from '../../../../lib/dialects/chat/answer-message';
import type { ReceivedChatCompletion } from '../../../../lib/dialects/chat/wire';
import { toResponse } from '../../../../lib/dialects/responses/from-chat/response';
import { openEnvelope } from '../../../../lib/dialects/reasoning-envelope';

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
    // A whole block keeps no index (a streamed answer's pieces joined by it seal the same envelope).
    const whole: Record<string, unknown> = { ...redacted };
    delete whole.index;
    expect(openEnvelope(output[0]?.encrypted_content)).toEqual({ ...ENVELOPE, text: '', details: [whole] });
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

  it.each([
    ['finish_reason "error"', completion({ content: 'partial' }, 'error'), /finish_reason "error"/],
    [
      "an error on the choice (OpenRouter's shape)",
      {
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'partial' },
            finish_reason: 'stop',
            error: { code: 502, message: 'Provider disconnected' },
          },
        ],
      },
      /Provider disconnected/,
    ],
    ['no choice at all', { choices: [] }, /no choice/],
  ])('refuses an answer the provider failed, with %s: a 200 would pass the cut-off text for a whole answer', (_case, answer, message) => {
    const translate = () => toResponse(answer as unknown as ReceivedChatCompletion, { model: 'm', catalog: new Map() });
    expect(translate).toThrow(FailedAnswerError);
    expect(translate).toThrow(message);
  });

  it('gives a call without arguments `{}` and a call without an id a fresh call_id, as the stream does', () => {
    const answer = completion({ content: null, tool_calls: [{ id: '', type: 'function', function: { name: 'a', arguments: '' } }] }, 'tool_calls');
    const [item] = outputOf(toResponse(answer, { model: 'm', catalog: new Map() }));
    expect(item).toMatchObject({ type: 'function_call', arguments: '{}', call_id: expect.stringMatching(/^call_[0-9a-f]{32}$/) });
  });

  it('gives a call of a custom tool inside a namespace its namespace and plain name', () => {
    const catalog = new Map([['crm__note', { kind: 'custom' as const, name: 'note', namespace: 'crm' }]]);
    const answer = completion(
      { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'crm__note', arguments: '{"input":"hello"}' } }] },
      'tool_calls',
    );
    expect(outputOf(toResponse(answer, { model: 'm', catalog }))[0]).toMatchObject({
      type: 'custom_tool_call',
      call_id: 'call_1',
      name: 'note',
      namespace: 'crm',
      input: 'hello',
    });
  });
});
