import { SseFramer } from '../../../lib/stream/sse-framer';

/** The frames of `pieces` pushed in turn, the last one final. */
function framesOf(pieces: string[]): string[] {
  const framer = new SseFramer();
  return pieces.flatMap((piece, i) => framer.push(piece, i === pieces.length - 1));
}

const TEXTS: Record<string, string> = {
  LF: 'data: {"a":1}\n\n: comment\n\nevent: x\ndata: one\ndata: two\n\n\ndata: [DONE]\n\n',
  CRLF: 'data: {"a":1}\r\n\r\nevent: x\r\ndata: one\r\n\r\ndata: [DONE]\r\n\r\n',
  'lone CR': 'data: {"a":1}\r\rdata: two\r\r',
  'mixed, LF frames after a CRLF one': 'data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\n\n',
};

describe('SseFramer', () => {
  test.each(Object.keys(TEXTS))('%s: frames are the same however the text is cut', (name) => {
    const text = TEXTS[name]!;
    const whole = framesOf([text]);
    expect(whole.join('')).toBe(text);
    for (let first = 0; first <= text.length; first++) {
      for (let second = first; second <= text.length; second += 3) {
        expect(framesOf([text.slice(0, first), text.slice(first, second), text.slice(second)])).toEqual(whole);
      }
    }
  });

  test('a frame is found at every kind of line end, and a blank line alone is a frame', () => {
    expect(framesOf(['data: a\n\n\ndata: b\r\n\r\n'])).toEqual(['data: a\n\n', '\n', 'data: b\r\n\r\n']);
  });

  test('a last frame the body ends without its blank line is ended for it, and only at the end', () => {
    expect(framesOf(['data: a\n\ndata: [DONE]'])).toEqual(['data: a\n\n', 'data: [DONE]\n\n']);
    expect(framesOf(['data: a\n\ndata: [DONE] '])).toEqual(['data: a\n\n', 'data: [DONE] \n\n']);
    expect(framesOf(['data: a\n\ndata: [DO', 'NE]\n'])).toEqual(['data: a\n\n', 'data: [DONE]\n\n']);
    expect(framesOf(['data: a\r\n\r\ndata: {"b":2}\r\n'])).toEqual(['data: a\r\n\r\n', 'data: {"b":2}\r\n\n']);
    expect(framesOf(['data: [1,\rdata: 2]\r'])).toEqual(['data: [1,\rdata: 2]\r\r']);
    expect(framesOf(['data: a\n\n  '])).toEqual(['data: a\n\n']);
    // An event cut off in its middle is not made whole: the stream was cut.
    const cut = new SseFramer();
    expect(cut.push('data: {"a":1}\n\ndata: {"choices":[{"del', true)).toEqual(['data: {"a":1}\n\n']);
    expect(cut.pending).toBe('data: {"choices":[{"del');
    // So is an event cut inside its `event:` line or before its data: every dialect's events carry data.
    expect(framesOf(['data: {"a":1}\n\nevent: response.output_te'])).toEqual(['data: {"a":1}\n\n']);
    expect(framesOf(['data: {"a":1}\n\nevent: response.output_text.delta\n'])).toEqual(['data: {"a":1}\n\n']);
    expect(framesOf(['data: {"a":1}\n\n: keep-alive'])).toEqual(['data: {"a":1}\n\n', ': keep-alive\n\n']);
    expect(framesOf(['event: message_stop\ndata: {"type":"message_stop"}'])).toEqual(['event: message_stop\ndata: {"type":"message_stop"}\n\n']);
    // A body that is no stream (a JSON error sent as one) is not made a frame: it stays to be read as what it is.
    const json = new SseFramer();
    expect(json.push('{"error":{"message":"too long"}}', true)).toEqual([]);
    expect(json.pending).toBe('{"error":{"message":"too long"}}');
    const framer = new SseFramer();
    expect(framer.push('data: [DONE]')).toEqual([]);
    expect(framer.pending).toBe('data: [DONE]');
  });

  test('a CR at the end of a piece waits: it may be the first half of a CRLF', () => {
    const framer = new SseFramer();
    expect(framer.push('data: a\r\n\r')).toEqual([]);
    expect(framer.push('\ndata: b')).toEqual(['data: a\r\n\r\n']);
    expect(framer.pending).toBe('data: b');
  });

  test('once the stream has shown a lone CR, a CR at the end of a piece ends its line at once', () => {
    const framer = new SseFramer();
    expect(framer.push('data: a\r\r')).toEqual(['data: a\r\r']);
    // Not held until the next piece: an upstream that keeps its connection open after its
    // terminator would otherwise have it passed on only when the connection closes.
    expect(framer.push('data: [DONE]\r\r')).toEqual(['data: [DONE]\r\r']);
    // An LF that then begins a piece is taken for the rest of a CRLF: left out, no blank line, and
    // no frame begins with it.
    expect(framer.push('data: b\r\n\r')).toEqual(['data: b\r\n\r']);
    expect(framer.push('\ndata: c\r')).toEqual([]);
    expect(framer.push('\n\r\n')).toEqual(['data: c\r\r\n']);
    expect(framer.pending).toBe('');
  });
});

test('an event of 16 MB that arrives in 16 KB pieces (TLS records) is framed in time linear in its size', () => {
  // An image in a Responses event is several megabytes. Scanning the whole pending text again for
  // each piece took 4.5 s here for this event, the host's event loop blocked all that time.
  const framer = new SseFramer();
  const piece = 'x'.repeat(16 * 1024);
  const started = performance.now();
  const frames = framer.push('data: {"image":"');
  for (let sent = 0; sent < 16 * 1024 * 1024; sent += piece.length) frames.push(...framer.push(piece));
  frames.push(...framer.push('"}\n\n'));
  expect(performance.now() - started).toBeLessThan(1000);
  expect(frames).toHaveLength(1);
  expect(frames[0]).toHaveLength('data: {"image":"'.length + 16 * 1024 * 1024 + '"}\n\n'.length);
  expect(framer.pending).toBe('');
});
