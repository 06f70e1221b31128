/**
 * The strict readers of the router's answers (`__tests__/support/chat-stream.ts`,
 * `messages-stream.ts`) fail a test on a stream the router must not write: were they lenient,
 * the translation tests built on them would pass vacuously.
 */
import { chatStreamPayloads } from '../../support/chat-stream';
import { parseAnthropicSse } from '../../support/messages-stream';

const START = 'event: message_start\ndata: {"type":"message_start"}\n\n';

describe('parseAnthropicSse', () => {
  test('reads frames of one event line and one data line each', () => {
    expect(parseAnthropicSse(`${START}event: ping\ndata: {"type":"ping","index":0}\n\n`)).toEqual([
      { event: 'message_start', data: { type: 'message_start' } },
      { event: 'ping', data: { type: 'ping', index: 0 } },
    ]);
    expect(parseAnthropicSse('')).toEqual([]);
  });

  test("skips the router's keep-alive comment", () => {
    expect(parseAnthropicSse(`: keep-alive\n\n${START}`)).toEqual([{ event: 'message_start', data: { type: 'message_start' } }]);
  });

  test.each([
    ['a frame without its event line', 'data: {"type":"ping"}\n\n'],
    ["an event that is not the payload's type", 'event: ping\ndata: {"type":"message_stop"}\n\n'],
    ['a line more', 'event: ping\ndata: {"type":"ping"}\nid: 1\n\n'],
    ['a comment other than the keep-alive', `: OPENROUTER PROCESSING\n\n${START}`],
    ['CRLF line endings', START.replace(/\n/g, '\r\n')],
    ['no blank line after the last frame', START.trimEnd()],
    ['two blank lines between frames', `${START}\n${START}`],
    ['a payload that is not JSON', 'event: ping\ndata: {"type":\n\n'],
  ])('fails on %s', (_name, text) => {
    expect(() => parseAnthropicSse(text)).toThrow();
  });
});

describe('chatStreamPayloads', () => {
  test('reads chunks and the [DONE] terminator', () => {
    expect(chatStreamPayloads('data: {"id":"c"}\n\ndata: [DONE]\n\n')).toEqual([{ id: 'c' }, '[DONE]']);
    expect(chatStreamPayloads('')).toEqual([]);
  });

  test("skips the router's keep-alive comment", () => {
    expect(chatStreamPayloads(': keep-alive\n\ndata: [DONE]\n\n')).toEqual(['[DONE]']);
  });

  test.each([
    ['an event line', 'event: x\ndata: {}\n\n'],
    ['a comment other than the keep-alive', ': OPENROUTER PROCESSING\n\ndata: [DONE]\n\n'],
    ['CRLF line endings', 'data: {}\r\n\r\n'],
    ['no blank line after the last frame', 'data: [DONE]'],
    ['two data lines in a frame', 'data: {}\ndata: {}\n\n'],
    ['a payload that is not JSON', 'data: {"id":\n\n'],
  ])('fails on %s', (_name, text) => {
    expect(() => chatStreamPayloads(text)).toThrow();
  });
});
