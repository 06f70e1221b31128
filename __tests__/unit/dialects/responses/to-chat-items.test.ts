import { sealEnvelope } from '../../../../lib/dialects/responses/reasoning-envelope';
import { toChatMessages } from '../../../../lib/dialects/responses/to-chat/items';

const upstream = { provider: 'anthropic', model: 'claude-x' };
const options = { catalog: new Map(), fetchesFileUrls: false, upstream };
const signed = (text: string, signature: string): Record<string, unknown> => ({
  type: 'reasoning',
  id: `rs_${signature}`,
  summary: [],
  encrypted_content: sealEnvelope({ ...upstream, text, details: [{ type: 'reasoning.text', text, signature, format: 'anthropic-claude-v1' }] }),
});
const call = (id: string): Record<string, unknown> => ({ type: 'function_call', call_id: id, name: 'Read', arguments: '{}' });
const output = (id: string): Record<string, unknown> => ({ type: 'function_call_output', call_id: id, output: 'ok' });

describe('reasoning items sent back (toChatMessages)', () => {
  test('several reasoning items of one turn all reach its assistant message, in order: none replaces another', () => {
    const messages = toChatMessages(
      [
        { role: 'user', content: 'go' },
        signed('T1', 'S1'),
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
        signed('T2', 'S2'),
        call('c1'),
        output('c1'),
      ],
      options,
    );
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'Looking.', reasoning_content: 'T1\n\nT2' });
    expect((messages[1]!.reasoning_details as Array<{ signature: string }>).map((detail) => detail.signature)).toEqual(['S1', 'S2']);
  });

  test('reasoning after the last call of a turn stays in that turn', () => {
    const messages = toChatMessages(
      [{ role: 'user', content: 'go' }, signed('T1', 'S1'), call('c1'), signed('T2', 'S2'), call('c2'), output('c1'), output('c2')],
      options,
    );
    expect(messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'T1\n\nT2' });
    expect(messages[1]!.tool_calls).toHaveLength(2);
    const trailing = toChatMessages([{ role: 'user', content: 'go' }, call('c1'), signed('T9', 'S9'), output('c1')], options);
    expect(trailing[1]).toMatchObject({ role: 'assistant', reasoning_content: 'T9' });
  });

  test('reasoning of a turn that produced nothing is not carried into a later turn', () => {
    const messages = toChatMessages(
      [{ role: 'user', content: 'q1' }, signed('R', 'S'), { role: 'user', content: 'q2' }, call('k'), output('k')],
      options,
    );
    expect(messages.map((message) => message.role)).toEqual(['user', 'user', 'assistant', 'tool']);
    expect(messages[2]).not.toHaveProperty('reasoning_content');
    expect(messages[2]).not.toHaveProperty('reasoning_details');
  });
});
