import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createProviderRouter } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, silentLogger, startHost } from '../support/host';
import { readJsonLines } from '../support/json-lines';
import { KEYS } from '../support/keys';
import { chatBody } from '../support/request-bodies';
import { sendFrames } from '../support/upstream-answers';

// The file behind CONVERSATION_LOG_FILE: what reaches it, when, and what happens when it cannot be
// written. What a record holds is in telemetry.test.ts.

let openai: FakeUpstream;

beforeAll(async () => {
  [openai] = await startFakeUpstreams('openai');
});
afterEach(() => openai.reset());
afterAll(() => openai.close());

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'epr-conversations-'));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('100 concurrent requests give 100 whole JSON lines, one per request, in a directory it creates, all written by close()', async () => {
  const file = join(tempDir(), 'nested', 'dir', 'conversations.jsonl');
  const host = await startHost({ env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: file } });
  try {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(host.url)
          .post('/v1/chat/completions')
          .send(chatBody('gpt-4o-mini', { messages: [{ role: 'user', content: `question ${i}` }] })),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
  } finally {
    await host.close();
  }
  const records = readJsonLines(file);
  expect(records).toHaveLength(100);
  const questions = records.map((record) => (record.messages as Array<{ content: string }>)[0]!.content);
  expect(new Set(questions).size).toBe(100);
  expect(records[0]).toEqual(expect.objectContaining({ level: 'info', message: 'conversation', provider: 'openai', status: 200 }));
});

test('each line is its record as JSON, then level and message; a record holding a key is written redacted', async () => {
  const file = join(tempDir(), 'conversations.jsonl');
  const host = await startHost({ env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: file } });
  try {
    await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o-mini'));
    await request(host.url)
      .post('/v1/chat/completions')
      .send(chatBody('gpt-4o-mini', { messages: [{ role: 'user', content: `my key is ${KEYS.openai}` }] }));
  } finally {
    await host.close();
  }
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    // Written once and whole: serialising the parsed record again gives the same line (no key twice).
    expect(JSON.stringify(record)).toBe(line);
    expect(Object.keys(record).slice(0, 2)).toEqual(['requestId', 'provider']);
    expect(Object.keys(record).slice(-2)).toEqual(['level', 'message']);
    expect(record).toEqual(expect.objectContaining({ level: 'info', message: 'conversation', status: 200 }));
  }
  expect(lines.join('\n')).not.toContain(KEYS.openai.slice(0, 12));
  expect(lines[1]).toContain('[REDACTED]');
});

test('close() resolves promptly, once the file is closed with the record in it', async () => {
  const file = join(tempDir(), 'conversations.jsonl');
  const host = await startHost({ env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: file } });
  let ended = false;
  host.router.telemetry.on('request.end', () => (ended = true));
  await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o-mini'));
  while (!ended) await nextTurn();
  const startedAt = performance.now();
  await host.close();
  expect(performance.now() - startedAt).toBeLessThan(500);
  expect(readJsonLines(file)).toHaveLength(1);
});

test("close() with requests in flight, and from the last request.end: every record is written to the file, nothing to the host's stderr", async () => {
  const file = join(tempDir(), 'conversations.jsonl');
  openai.handler = () => true; // holds the answer
  const host = await startHost({ env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: file } });
  const stderr: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);
  const errorSpy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
  const warnSpy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
  process.stderr.write = ((chunk: unknown) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const inFlight = Array.from({ length: 30 }, (_, i) =>
      request(host.url)
        .post('/v1/chat/completions')
        .send(chatBody('gpt-4o-mini', { stream: i % 2 === 0, messages: [{ role: 'user', content: 'in flight' }] }))
        .then((answer) => answer.status),
    );
    while (openai.requests.length < 30) await nextTurn();
    await host.close();
    expect(new Set(await Promise.all(inFlight))).toEqual(new Set([502]));
  } finally {
    process.stderr.write = writeStderr;
    errorSpy.mockRestore();
    warnSpy.mockRestore();
  }
  expect(stderr).toEqual([]);
  const records = readJsonLines(file);
  expect(records).toHaveLength(30);
  expect(records[0]).toMatchObject({ status: 502, messages: [{ role: 'user', content: 'in flight' }] });

  // A host that shuts down from the listener of its last request.end.
  const lastFile = join(tempDir(), 'conversations.jsonl');
  const lastHost = await startHost({ env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: lastFile } });
  openai.reset();
  let closing: Promise<void> | undefined;
  lastHost.router.telemetry.on('request.end', () => (closing ??= lastHost.router.close()));
  await request(lastHost.url).post('/v1/chat/completions').send(chatBody('gpt-4o-mini'));
  while (!closing) await nextTurn();
  await closing;
  await lastHost.close();
  expect(readJsonLines(lastFile)).toHaveLength(1);
});

test('a host conversationLogger whose info rejects (an async one) loses its record, never the host', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const host = await startHost({
    env: envFor({ openai }),
    conversationLogger: { info: () => Promise.reject(new Error('log store down')) } as never,
  });
  try {
    expect((await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o-mini'))).status).toBe(200);
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await host.close();
  }
});

test('a log file that cannot be opened is reported once, and requests are still answered', async () => {
  const file = tempDir(); // a directory: opening it for appending fails with EISDIR
  const errors: Array<{ message: string; meta: unknown }> = [];
  const host = await startHost({
    env: { ...envFor({ openai }), CONVERSATION_LOG_FILE: file },
    logger: { warn: () => undefined, error: (message, meta) => errors.push({ message, meta }) },
  });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o-mini'));
      expect(res.status).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await host.close();
  }
  expect(errors).toEqual([
    {
      message: expect.stringContaining('conversation log cannot be written') as string,
      meta: { file, error: expect.stringContaining('EISDIR') as string },
    },
  ]);
});

test('a log file whose directory cannot be created stops createProviderRouter with the variable named', () => {
  const notADirectory = join(tempDir(), 'plain-file');
  writeFileSync(notADirectory, '');
  expect(() =>
    createProviderRouter({
      env: { OPENAI_API_KEY: KEYS.openai, CONVERSATION_LOG_FILE: join(notADirectory, 'conversations.jsonl') },
      logger: silentLogger,
    }),
  ).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('CONVERSATION_LOG_FILE') as string }) as Error);
});

test('a stream with other choices (n > 1) logs choice 0 only: its text and its finish reason', async () => {
  const records: Array<Record<string, unknown>> = [];
  const host = await startHost({ env: envFor({ openai }), conversationLogger: { info: (_message, meta) => records.push(meta) } });
  try {
    const chunkOf = (index: number, delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index, delta, finish_reason: finish }] })}\n\n`;
    openai.handler = (_request, res) =>
      sendFrames(res, [
        chunkOf(1, { role: 'assistant', content: 'BBB' }),
        chunkOf(0, { role: 'assistant', content: 'AAA' }),
        chunkOf(0, {}, 'stop'),
        chunkOf(1, {}, 'length'),
        'data: [DONE]\n\n',
      ]);
    await request(host.url)
      .post('/v1/chat/completions')
      .send({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await nextTurn();
    await nextTurn();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ provider: 'openai', finishReason: 'stop', response: { text: 'AAA' } });
  } finally {
    await host.close();
  }
});
