import { carriedDetails, carryingSignature } from '../../../../lib/dialects/messages/provider-reasoning';

const gemini = { provider: 'openrouter', model: 'google/gemini-3-pro-preview' };
const thought = 'Let me check the file first. '.repeat(400);
const entries = [
  { type: 'reasoning.text', text: thought, format: 'google-gemini-v1', index: 0 },
  { type: 'reasoning.encrypted', data: 'CiQBthought-signature', id: 'tool_Read_1', format: 'google-gemini-v1', index: 1 },
];

describe('carryingSignature', () => {
  test('carries the entries back to the provider and model that sent them only', () => {
    const signature = carryingSignature(gemini, entries);
    expect(signature).toMatch(/^epr1\./);
    expect(carriedDetails(signature, gemini)).toEqual(entries);
    expect(carriedDetails(signature, { ...gemini, model: 'google/gemini-3-flash-preview' })).toEqual([]);
    expect(carriedDetails(signature, { ...gemini, provider: 'groq' })).toEqual([]);
  });

  test('does not repeat the thinking text, which the block holds already: a long reasoning travels once in the entries', () => {
    const entriesAlone = Buffer.from(JSON.stringify(entries)).toString('base64url').length;
    expect(carryingSignature(gemini, entries).length).toBeLessThan(entriesAlone + 200);
  });
});
