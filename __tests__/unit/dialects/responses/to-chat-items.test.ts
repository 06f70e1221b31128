import { sealEnvelope } from '../../../../lib/dialects/reasoning-envelope';
import { toChatMessages } from '../../../../lib/dialects/responses/to-chat/items';
import { ChatOrigins, clientParamOf } from '../../../../lib/dialects/responses/to-chat/origins';

const upstream = { provider: 'anthropic', model: 'claude-x' };
const options = { catalog: new Map(), fetchesFileUrls: false, upstream, origins: new ChatOrigins() };
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

  test("an item of details alone (a signature that came after the call) joins the turn's details and leaves its reasoning text as it was", () => {
    const signature = {
      type: 'reasoning',
      summary: [],
      content: [{ type: 'reasoning_text', text: '' }],
      encrypted_content: sealEnvelope({ ...upstream, text: '', details: [{ type: 'reasoning.encrypted', data: 'SIG', id: 'c1' }] }),
    };
    const messages = toChatMessages([{ role: 'user', content: 'go' }, signed('T1', 'S1'), call('c1'), signature, output('c1')], options);
    expect(messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'T1' });
    expect((messages[1]!.reasoning_details as Array<{ type: string }>).map((detail) => detail.type)).toEqual([
      'reasoning.text',
      'reasoning.encrypted',
    ]);
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

describe('where each chat message came from (ChatOrigins), for errors raised further along the hub', () => {
  const items = [
    { role: 'developer', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'Read both' },
        { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
      ],
    },
    { type: 'function_call', call_id: 'c1', name: 'Read', arguments: '{}' },
    { type: 'function_call', call_id: 'c2', name: 'Read', arguments: 'not json' },
    { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_image', image_url: 'data:image/png;base64,BBBB' }] },
    { type: 'function_call_output', call_id: 'c2', output: 'ok' },
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'And now?' },
        { type: 'input_image', image_url: 'data:image/png;base64,CCCC' },
      ],
    },
  ];
  const origins = new ChatOrigins();
  const messages = toChatMessages(items, { ...options, origins });

  test("the messages as translated: system, user, one assistant turn with both calls, two tool messages, then the tool's picture opening the next user message", () => {
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'user']);
    expect((messages[5]!.content as Array<{ type: string }>).map((part) => part.type)).toEqual(['image_url', 'text', 'image_url']);
  });

  test.each([
    ['messages[1].content[1]: image_url.url must be a data URL', 'input[1].content[1]: image_url.url must be a data URL'],
    ['messages[2].tool_calls[1].function.arguments is not valid JSON', 'input[3].arguments is not valid JSON'],
    ['messages[2].tool_calls[0] must have an id', 'input[2] must have an id'],
    ['messages[2] must be an object', 'input[2] must be an object'],
    ['messages[5].content[0]: image_url.url must be a data URL', 'input[4].output: image_url.url must be a data URL'],
    ['messages[5].content[2]: image_url.url must be a data URL', 'input[6].content[1]: image_url.url must be a data URL'],
    ['messages[3].tool_call_id must be the id of the tool call it answers', 'input[4].call_id must be the id of the tool call it answers'],
    ['messages[0].content: a system message can only contain text', 'input[0].content: a system message can only contain text'],
    ['response_format json_object has no Anthropic equivalent', 'text.format json_object has no Anthropic equivalent'],
    ['max_tokens / max_completion_tokens must be a positive integer', 'max_output_tokens must be a positive integer'],
    ['messages[9] is out of range', 'messages[9] is out of range'],
  ])('%s -> %s', (chat, client) => {
    expect(origins.restate(chat, messages)).toBe(client);
  });

  test("a restated message's leading field is its param", () => {
    expect(clientParamOf('input[3].arguments is not valid JSON')).toBe('input[3].arguments');
    expect(clientParamOf('input[2].content[1]: image_url.url must be a data URL')).toBe('input[2].content[1]');
    expect(clientParamOf('input[4].output: a file part must be a PDF')).toBe('input[4].output');
    expect(clientParamOf('input[3] must be an object')).toBe('input[3]');
    expect(clientParamOf('text.format json_object has no Anthropic equivalent')).toBe('text.format');
    expect(clientParamOf('messages must be a non-empty array')).toBeUndefined();
  });
});

describe('input_file parts given by file_url (toChatMessages)', () => {
  const fileBy = (fileUrl: string): unknown => {
    const [message] = toChatMessages([{ role: 'user', content: [{ type: 'input_file', file_url: fileUrl }] }], { ...options, fetchesFileUrls: true });
    return message?.content;
  };

  test("are named after the URL's last path segment", () => {
    expect(fileBy('https://example.com/docs/a%20b.pdf')).toEqual([
      { type: 'file', file: { filename: 'a b.pdf', file_data: 'https://example.com/docs/a%20b.pdf' } },
    ]);
  });

  test('given as a data URL, are document.pdf: the URL has no file name, only its content', () => {
    const dataUrl = `data:application/pdf;base64,${'JVBERi0xLjQK'.repeat(100)}`;
    expect(fileBy(dataUrl)).toEqual([{ type: 'file', file: { filename: 'document.pdf', file_data: dataUrl } }]);
  });
});

describe('assistant messages of one turn (toChatMessages)', () => {
  const said = (...texts: string[]): Record<string, unknown> => ({
    type: 'message',
    role: 'assistant',
    content: texts.map((text) => ({ type: 'output_text', text })),
  });

  test('separate messages (a commentary, then the final answer) stay apart as paragraphs; the parts of one message join as they are', () => {
    const messages = toChatMessages([{ role: 'user', content: 'go' }, said('I will look.'), said('Done: ', 'all fine.')], options);
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'I will look.\n\nDone: all fine.' });
    expect(messages).toHaveLength(2);
  });

  test('a message with no text adds no separator', () => {
    const messages = toChatMessages([{ role: 'user', content: 'go' }, said('Only this.'), said(''), call('c1'), output('c1')], options);
    expect(messages[1]).toMatchObject({ role: 'assistant', content: 'Only this.' });
  });
});
