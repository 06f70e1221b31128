import { carriedDetails, carryingSignature } from '../../../../lib/dialects/messages/provider-reasoning';
import { carriedCallExtras } from '../../../../lib/dialects/chat/call-extra-content';
import { sealEnvelope } from '../../../../lib/dialects/reasoning-envelope';

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

describe("carryingSignature with the calls' extra_content (Gemini's own API)", () => {
  const direct = { provider: 'gemini', model: 'gemini-3-pro-preview' };
  const extra = { google: { thought_signature: 'CiQBjz1rX7signature==' } };

  test("carries each call's extra_content by tool_use id, for the provider and model that sent it only", () => {
    const signature = carryingSignature(direct, [], { 'function-call-1': extra });
    expect(carriedCallExtras(signature, direct)).toEqual({ 'function-call-1': extra });
    expect(carriedCallExtras(signature, { ...direct, model: 'gemini-3-flash-preview' })).toEqual({});
    expect(carriedCallExtras(signature, { ...direct, provider: 'groq' })).toEqual({});
    expect(carriedDetails(signature, direct)).toEqual([]);
  });

  test('a damaged calls field loses the extras only, not the rest of the envelope', () => {
    const damaged = sealEnvelope({ ...direct, text: '', details: entries, calls: { 'function-call-1': 'not an object' } as never });
    expect(carriedCallExtras(damaged, direct)).toEqual({});
    expect(carriedDetails(damaged, direct)).toEqual(entries);
  });
});
