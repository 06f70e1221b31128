import { joinedDetails } from '../../../../lib/dialects/chat/reasoning-details';
import { providerDetailsOf } from '../../../../lib/dialects/messages/to-chat/reasoning-details';

describe('joinedDetails: streamed reasoning_details pieces as the whole entries a client sends back', () => {
  test('pieces of one index join: text concatenated, the other fields from the first piece that has them', () => {
    const pieces = [
      { type: 'reasoning.text', text: 'Let me ', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.text', text: 'check.', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.text', text: '', signature: 'EuYB', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'CiQB', id: 'tool_1', format: 'google-gemini-v1', index: 1 },
    ];
    expect(joinedDetails(pieces)).toEqual([
      { type: 'reasoning.text', text: 'Let me check.', signature: 'EuYB', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'CiQB', id: 'tool_1', format: 'google-gemini-v1', index: 1 },
    ]);
    // The pieces are copied, not changed.
    expect(pieces[0]).toEqual({ type: 'reasoning.text', text: 'Let me ', format: 'anthropic-claude-v1', index: 0 });
  });

  test("an encrypted entry numbered with the text's index (Gemini's thought signature, as OpenRouter numbers it) stays an entry of its own", () => {
    const text = (piece: string): Record<string, unknown> => ({ type: 'reasoning.text', text: piece, format: 'google-gemini-v1', index: 0 });
    const signature = { type: 'reasoning.encrypted', data: 'CiQB', id: 'tool_1', format: 'google-gemini-v1', index: 0 };
    const another = { ...signature, data: 'CiQC', id: 'tool_2' };
    expect(joinedDetails([text('Let me '), text('check.'), signature, another])).toEqual([text('Let me check.'), signature, another]);
  });

  test('summary pieces of one index join, their summary concatenated', () => {
    const summary = (piece: string): Record<string, unknown> => ({
      type: 'reasoning.summary',
      summary: piece,
      format: 'openai-responses-v1',
      index: 0,
    });
    expect(joinedDetails([summary('**Planning** '), summary('the call.')])).toEqual([summary('**Planning** the call.')]);
  });

  test('entries without an index stay apart, in their order', () => {
    const entries = [
      { type: 'reasoning.summary', summary: 'a' },
      { type: 'reasoning.summary', summary: 'b' },
    ];
    expect(joinedDetails(entries)).toEqual(entries);
  });
});

test("providerDetailsOf keeps the entries that are not Anthropic's blocks", () => {
  const gemini = { type: 'reasoning.encrypted', data: 'CiQB', format: 'google-gemini-v1', index: 1 };
  expect(providerDetailsOf([{ type: 'reasoning.text', text: 'x', format: 'anthropic-claude-v1' }, gemini, 'junk'])).toEqual([gemini]);
  expect(providerDetailsOf(undefined)).toEqual([]);
});
