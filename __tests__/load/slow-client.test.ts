import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { streamedText } from '../support/chat-stream';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { observe } from '../support/observe';
import { sleep, within } from '../support/wait';
import { anthropicEvent, chatChunkFrame, DONE_FRAME } from '../support/wire-frames';
import { caseOf, chatBody } from './support/provider-cases';

/** What each fake offers to send: far more than socket buffers on loopback can hold. */
const TOTAL_BYTES = 64 * 1024 * 1024;
const PIECE = 'x'.repeat(1000);
/** The slow client reads one chunk a second for this long. */
const SLOW_READS = 3;

/** A fake's big stream, as it went: how much it got out, and how often its writes stalled. */
interface BigStream {
  written: number;
  frames: number;
  /** `res.write` returned false. */
  stalls: number;
  /** The write waiting for `drain` when the slow phase ended, if any. */
  waitingSince: number | undefined;
  /** Ends the stream after the frame being written (the test has seen enough). */
  stop(): void;
}

let fakes: Record<'openai' | 'anthropic', FakeUpstream>;
let host: Host;
const observed = observe();
/** The router's responses to the client, to read how much it holds in its own buffers. */
const routerResponses: ServerResponse[] = [];

beforeAll(async () => {
  const [openai, anthropic] = await startFakeUpstreams('openai', 'anthropic');
  fakes = { openai, anthropic };
  host = await startHost(
    { env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '30000', PROVIDER_IDLE_TIMEOUT_MS: '30000' } },
    { before: (app) => app.use((_req, res, next) => (routerResponses.push(res), next())) },
  );
  observed.listen(host.router);
});

afterAll(async () => {
  await host.close();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

test('a client reading one chunk a second holds the upstream back: the router buffers little and the fakes stall', async () => {
  const streams = {} as Record<'openai' | 'anthropic', BigStream>;
  for (const kind of ['openai', 'anthropic'] as const) {
    fakes[kind].handler = (_recorded, res) => void (streams[kind] = sendBigStream(kind, res));
  }
  const clients = await Promise.all(
    (['openai', 'anthropic'] as const).map((kind) => slowClient(`${host.url}/v1/chat/completions`, chatBody(caseOf(kind), 'T1', true))),
  );

  let routerBuffered = 0;
  const sampler = setInterval(() => {
    for (const res of routerResponses) routerBuffered = Math.max(routerBuffered, res.writableLength);
  }, 20);
  let writtenAfterOneSecond: Record<'openai' | 'anthropic', number>;
  try {
    await sleep(1000);
    writtenAfterOneSecond = { openai: streams.openai.written, anthropic: streams.anthropic.written };
    for (let read = 1; read < SLOW_READS; read++) {
      clients.forEach((client) => client.readOneChunk());
      await sleep(1000);
    }
  } finally {
    clearInterval(sampler);
  }

  for (const kind of ['openai', 'anthropic'] as const) {
    const stream = streams[kind];
    // Backpressure reached the fake: its writes stalled and it is still waiting to write.
    expect(stream.stalls).toBeGreaterThan(0);
    expect(stream.waitingSince).toBeDefined();
    // What got out stays far below the total, and barely moved while the client read slowly.
    expect(stream.written).toBeLessThan(TOTAL_BYTES / 4);
    expect(stream.written - writtenAfterOneSecond[kind]).toBeLessThan(2 * 1024 * 1024);
  }
  // The router itself holds little: its writable buffers stay near their high-water mark.
  expect(routerBuffered).toBeLessThan(1024 * 1024);

  // Once the client reads at speed, everything the fake sent arrives intact.
  Object.values(streams).forEach((stream) => stream.stop());
  const bodies = await within(Promise.all(clients.map((client) => client.readToEnd())), 30000, 'the streams ending');
  for (const [index, kind] of (['openai', 'anthropic'] as const).entries()) {
    const body = bodies[index]!;
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(streamedText(body)).toBe(PIECE.repeat(streams[kind].frames));
  }
  const events = await observed.waitForEnds(2);
  expect(events.map((event) => event.outcome)).toEqual(['ok', 'ok']);
}, 60000);

/** Writes frames as fast as the connection takes them, waiting for `drain` when it does not. */
function sendBigStream(kind: 'openai' | 'anthropic', res: ServerResponse): BigStream {
  let limit = TOTAL_BYTES;
  const stream: BigStream = { written: 0, frames: 0, stalls: 0, waitingSince: undefined, stop: () => (limit = 0) };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const frames = kind === 'anthropic' ? anthropicFrames() : openAIFrames();
  void (async () => {
    const write = (frame: string): Promise<void> | undefined => {
      stream.written += Buffer.byteLength(frame);
      if (res.write(frame)) return undefined;
      stream.stalls++;
      stream.waitingSince = performance.now();
      return new Promise((resolve) =>
        res.once('drain', () => {
          stream.waitingSince = undefined;
          resolve();
        }),
      );
    };
    await write(frames.start);
    while (stream.written < limit && !res.destroyed) {
      stream.frames++;
      await write(frames.piece);
    }
    res.end(frames.end);
  })();
  return stream;
}

function openAIFrames(): { start: string; piece: string; end: string } {
  const identity = { id: 'chatcmpl-big', created: 1, model: 'gpt-4o-mini' };
  return {
    start: chatChunkFrame(identity, { role: 'assistant', content: '' }),
    piece: chatChunkFrame(identity, { content: PIECE }),
    end: chatChunkFrame(identity, {}, 'stop') + DONE_FRAME,
  };
}

function anthropicFrames(): { start: string; piece: string; end: string } {
  return {
    start:
      anthropicEvent('message_start', {
        message: {
          id: 'msg_big',
          type: 'message',
          role: 'assistant',
          content: [],
          model: 'claude-sonnet-5-5',
          usage: { input_tokens: 1, output_tokens: 1 },
        },
      }) + anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    piece: anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: PIECE } }),
    end:
      anthropicEvent('content_block_stop', { index: 0 }) +
      anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }) +
      anthropicEvent('message_stop'),
  };
}

/** A client that leaves the response paused and takes one chunk at a time when told to. */
async function slowClient(url: string, body: unknown): Promise<{ readOneChunk(): void; readToEnd(): Promise<string> }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('error', reject);
    req.on('response', resolve);
    req.end(payload);
  });
  expect(res.statusCode).toBe(200);
  res.pause();
  const chunks: Buffer[] = [];
  return {
    readOneChunk() {
      const chunk = res.read(16 * 1024) as Buffer | null;
      if (chunk) chunks.push(chunk);
    },
    readToEnd: () =>
      new Promise((resolve, reject) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
        res.resume();
      }),
  };
}
