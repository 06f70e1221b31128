'use strict';
// Anthropic stream events translated to OpenAI chunks per second, on one core: the built
// translator (dist/) called directly in a loop over the recorded fixture streams, one translator
// per stream as the router creates them, each event decoded and each chunk encoded as the pump does.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { createAnthropicToOpenAIStream } = require('../dist/dialects/messages/to-chat/stream');
const { messagesStreamCodec } = require('../dist/dialects/messages/stream-codec');
const { chatStreamCodec } = require('../dist/dialects/chat/stream-codec');
const { EncodedTranslation } = require('../dist/stream/translated-stream');

const FIXTURES = join(__dirname, '..', '__tests__', 'fixtures');

/** The `{ event, data }` pairs of an .sse fixture, as eventsource-parser hands them over. */
function fixtureEvents(name) {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split(/\n\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((line) => line.startsWith('event: '));
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
      return { event: event && event.slice(7), data: data.join('\n') };
    });
}

function measure(durationMs) {
  const streams = [fixtureEvents('anthropic-messages-stream-text.sse'), fixtureEvents('anthropic-messages-stream-tool-use.sse')];
  let events = 0;
  let bytes = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  // Checking the clock every 1,000 streams keeps it out of the measurement.
  for (let round = 0; performance.now() < deadline && round < 1e7; round++) {
    for (let i = 0; i < 1000; i++) {
      const stream = streams[i & 1];
      const translator = new EncodedTranslation(createAnthropicToOpenAIStream({ includeUsage: true }), chatStreamCodec);
      for (const event of stream) bytes += translator.push(messagesStreamCodec.decode(event)).length;
      if (!translator.done) throw new Error('the fixture stream did not translate to its end');
      events += stream.length;
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  return { events, seconds, eventsPerSecond: events / seconds, outputBytes: bytes };
}

measure(500); // warm-up: let the JIT settle
process.send(measure(Number(process.argv[2] || 3000)), () => process.disconnect());
