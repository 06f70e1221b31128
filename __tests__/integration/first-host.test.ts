/**
 * The first host DESIGN.md plans for, built as a new user would from README: a llama.cpp manager
 * on Express 4 with `express.json({ limit: '200mb' })`, `cors()`, `compression()` and request
 * loggers that wrap `res.write` / `res.end` mounted before the router, its own `/v1/...` and
 * `/api/v1/...` routes, its own local model handler behind `fallback: 'next'`, and a web UI that
 * polls `/v1/models`; the router mounted at both `/v1` and `/api/v1`. The official clients run
 * through both mounts against the fake upstreams, and the host's stderr stays empty.
 */
import Anthropic from '@anthropic-ai/sdk';
import { join } from 'node:path';
import OpenAI from 'openai';
import request from 'supertest';
import type { TelemetryEvent } from '../../lib';
import { fixtureText, sseFrames } from '../support/fixtures';
import { afterRouter, beforeRouter, MOUNTS } from '../support/first-host/first-host.cjs';
import { envFor, startHost, type Host } from '../support/host';
import { startHostProcess } from '../support/host-process';
import { openStream } from '../support/http-client';
import { sendFrames, sendHeldStream, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { deferred, waitUntil, within } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof import('express');

const fakes = useFakes();

const LOCAL_LIST = {
  object: 'list',
  data: [
    { id: 'qwen2.5-7b.gguf', object: 'model', created: 1, owned_by: 'llamacpp' },
    { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'llamacpp' },
  ],
};

const HI = [{ role: 'user' as const, content: 'Hi' }];

let host: Host;
const events: TelemetryEvent[] = [];
const counted = { bytes: 0 };

beforeAll(async () => {
  host = await startHost(
    { env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '5000', PROVIDER_IDLE_TIMEOUT_MS: '5000' }, fallback: 'next' },
    { expressVersion: 4, before: (app) => beforeRouter(app, express4, counted), after: afterRouter, mountPath: [...MOUNTS] },
  );
  host.router.telemetry.on('event', (event) => void events.push(event));
});
beforeEach(() => {
  events.length = 0;
  fakes.local.handler = (r, res) => (r.method === 'GET' ? sendJson(res, 200, LOCAL_LIST) : false);
});
afterAll(() => host.close());

const openai = (mount: string): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}${mount}`, maxRetries: 0 });
// The Anthropic SDK appends /v1 itself.
const anthropic = (mount: string): Anthropic =>
  new Anthropic({ apiKey: 'host-token', baseURL: `${host.url}${mount.replace(/\/v1$/, '')}`, maxRetries: 0 });

describe.each(MOUNTS)('through %s', (mount) => {
  test('the openai SDK streams and answers chat, completions and embeddings', async () => {
    const stream = await openai(mount).chat.completions.create({
      model: 'openai/gpt-4o',
      stream: true,
      messages: HI,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/^Hello/);

    const json = await openai(mount).chat.completions.create({ model: 'anthropic/claude-sonnet-5-5', messages: HI });
    expect(json.choices[0]!.message.content).toEqual(expect.any(String));

    const completion = await openai(mount).completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'Say' });
    expect(completion.choices[0]!.text).toBe('Hello');
    const embedding = await openai(mount).embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' });
    expect(embedding.data[0]!.embedding).toEqual([0.1, 0.2]);
    expect(fakes.openai.requests.map((r) => r.url)).toEqual(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);
  });

  test("the openai SDK's responses: passed through to OpenAI, bridged with reasoning for llama-server, translated for Anthropic", async () => {
    const native = await openai(mount).responses.create({ model: 'openai/gpt-5.5', input: 'Hi', stream: true });
    const types: string[] = [];
    for await (const event of native) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');

    fakes.local.handler = (r, res) =>
      r.method === 'GET' ? sendJson(res, 200, LOCAL_LIST) : sendFrames(res, sseFrames('llama-server-chat-stream-reasoning.sse'));
    for (const model of ['local/gpt-4o', 'anthropic/claude-sonnet-5-5']) {
      const stream = openai(mount).responses.stream({ model, input: 'Hi' });
      let deltas = '';
      stream.on('response.output_text.delta', (event) => (deltas += event.delta));
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.model).toBe(model);
      expect(final.output_text).toBe(deltas);
      expect(deltas.length).toBeGreaterThan(0);
      if (model.startsWith('local/')) expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    }
  });

  test("the openai SDK's models.list() lists every provider, ids that route back, local/<id> for an aliased GGUF", async () => {
    const ids: string[] = [];
    for await (const model of openai(mount).models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['qwen2.5-7b.gguf', 'local/gpt-4o']));
    expect(ids).not.toContain('gpt-4o');
    expect(ids.some((id) => id.startsWith('anthropic/'))).toBe(true);
    expect(ids.some((id) => id.startsWith('openrouter/'))).toBe(true);
    const aliased = await openai(mount).chat.completions.create({ model: 'local/gpt-4o', messages: HI });
    expect(aliased.choices[0]!.message.content).toEqual(expect.any(String));
    expect(fakes.local.requests.filter((r) => r.method === 'POST').map((r) => r.body?.model)).toEqual(['gpt-4o']);
  });

  test("a model no rule claims goes to the host's own handler, with the body parsed", async () => {
    const answer = await openai(mount).chat.completions.create({ model: 'qwen2.5-7b.gguf', messages: HI });
    expect(answer.choices[0]!.message.content).toBe('host served qwen2.5-7b.gguf');
    expect(fakes.local.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  test('the Anthropic SDK streams messages, counts tokens and lists models in its own shape', async () => {
    for (const model of ['anthropic/claude-sonnet-5-5', 'openai/gpt-4o']) {
      const stream = anthropic(mount).messages.stream({ model, max_tokens: 64, messages: HI });
      const message = await stream.finalMessage();
      expect(message.model).toBe(model);
      expect(message.content[0]).toEqual(expect.objectContaining({ type: 'text', text: expect.stringMatching(/^Hello/) }));
    }
    const counted = await anthropic(mount).messages.countTokens({ model: 'anthropic/claude-sonnet-5-5', messages: HI });
    expect(counted.input_tokens).toBe(42);
    const models: Anthropic.ModelInfo[] = [];
    for await (const model of anthropic(mount).models.list()) models.push(model);
    expect(models.length).toBeGreaterThan(3);
    for (const model of models)
      expect(model).toEqual(expect.objectContaining({ type: 'model', id: expect.any(String), display_name: expect.any(String) }));
    expect(models.map((m) => m.id)).toContain('local/gpt-4o');
  });

  test("the host's own routes keep working, those that share a prefix with the router's too", async () => {
    expect((await request(host.url).get('/v1/slots')).body).toEqual([{ id: 0, is_processing: false }]);
    expect((await request(host.url).get('/api/v1/health')).body).toEqual({ status: 'ok' });
    expect((await request(host.url).get(`${mount}/models-extra`)).body).toEqual({ host: `${mount}/models-extra` });
    const extra = await request(host.url).post(`${mount}/chat/completions/extra`).send({ model: 'openai/gpt-4o', x: 1 });
    expect(extra.body).toEqual({ host: `${mount}/chat/completions/extra`, body: { model: 'openai/gpt-4o', x: 1 } });
    expect((await request(host.url).get(`${mount}/nothing-here`)).body).toEqual({ host: 'not found', path: `${mount}/nothing-here` });
    expect(fakes.received()).toEqual([]);
    expect(events).toEqual([]);
  });

  test('the browser gets CORS headers on every answer and its preflight', async () => {
    const origin = { Origin: 'http://ui.example' };
    const preflight = await request(host.url)
      .options(`${mount}/chat/completions`)
      .set({ ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,authorization' });
    expect(preflight.status).toBe(204);
    const answers = [
      await request(host.url).get(`${mount}/models`).set(origin),
      await request(host.url).post(`${mount}/chat/completions`).set(origin).send({ model: 'openai/gpt-4o', messages: [] }),
      await request(host.url).post(`${mount}/chat/completions`).set(origin).send({ model: 'openai/gpt-4o', stream: true, messages: [] }),
      await request(host.url).post(`${mount}/chat/completions`).set(origin).send({ model: 'nothing/x', messages: [] }),
      await request(host.url).post(`${mount}/chat/completions`).set(origin).send({ messages: [] }),
    ];
    for (const answer of answers) expect(answer.headers['access-control-allow-origin']).toBe('*');
  });

  test('compression() leaves every stream unbuffered: the first frame arrives before the upstream finishes', async () => {
    const cases: Array<{ path: string; body: Record<string, unknown>; fake: 'openai' | 'anthropic'; frames: string[]; first: string }> = [
      // prettier-ignore
      { path: '/chat/completions', body: { model: 'openai/gpt-4o', stream: true, messages: HI }, fake: 'openai', frames: sseFrames('openai-chat-stream-usage.sse'), first: '"Hello' },
      {
        path: '/chat/completions',
        body: { model: 'anthropic/claude-sonnet-5-5', stream: true, messages: HI },
        fake: 'anthropic',
        frames: sseFrames('anthropic-messages-stream-text.sse'),
        first: '"Hello',
      },
      {
        path: '/messages',
        body: { model: 'openai/gpt-4o', stream: true, max_tokens: 9, messages: HI },
        fake: 'openai',
        frames: sseFrames('openai-chat-stream-usage.sse'),
        first: 'Hello',
      },
      {
        path: '/responses',
        body: { model: 'anthropic/claude-sonnet-5-5', stream: true, input: 'Hi' },
        fake: 'anthropic',
        frames: sseFrames('anthropic-messages-stream-text.sse'),
        first: 'Hello',
      },
      {
        path: '/responses',
        body: { model: 'openai/gpt-5.5', stream: true, input: 'Hi' },
        fake: 'openai',
        frames: sseFrames('openai-responses-stream-text.sse'),
        first: 'Hello',
      },
      {
        path: '/messages',
        body: { model: 'anthropic/claude-sonnet-5-5', stream: true, max_tokens: 9, messages: HI },
        fake: 'anthropic',
        frames: sseFrames('anthropic-messages-stream-text.sse'),
        first: 'Hello',
      },
    ];
    for (const { path, body, fake, frames, first } of cases) {
      const release = deferred();
      const splitAt = frames.findIndex((frame) => frame.includes('Hello'));
      fakes[fake].handler = (_r, res) => sendHeldStream(res, frames, splitAt, release.promise);
      try {
        const stream = await openStream(`${host.url}${mount}${path}`, body, { headers: { 'accept-encoding': 'gzip, br' } });
        expect(stream.headers['content-type']).toBe('text/event-stream');
        expect(stream.headers['content-encoding']).toBeUndefined();
        await stream.waitFor((text) => text.includes(first));
        release.resolve();
        await stream.ended;
      } finally {
        release.resolve();
        fakes[fake].handler = undefined;
      }
    }
  });
});

test('the web UI polling /v1/models does not hold up a stream, and the list is read from cache', async () => {
  const release = deferred();
  fakes.openai.handler = (r, res) =>
    r.method === 'POST' ? sendHeldStream(res, sseFrames('openai-chat-stream-usage.sse'), 1, release.promise) : false;
  const stream = await openStream(`${host.url}/v1/chat/completions`, { model: 'openai/gpt-4o', stream: true, messages: [] });
  const polls = await Promise.all([0, 1, 2].map(() => request(host.url).get('/v1/models')));
  for (const poll of polls) expect(poll.body.object).toBe('list');
  release.resolve();
  expect(await stream.ended).toContain('[DONE]');
});

test('a client that hangs up mid-stream aborts the upstream request at once, through compression and the loggers', async () => {
  fakes.openai.handler = (r, res) => (r.method === 'POST' ? sendHeldStream(res, sseFrames('openai-chat-stream-usage.sse'), 1) : false);
  const upstreamClosed = fakes.openai.waitForClientClose();
  const stream = await openStream(
    `${host.url}/api/v1/chat/completions`,
    { model: 'openai/gpt-4o', stream: true, messages: HI },
    { headers: { 'accept-encoding': 'gzip' } },
  );
  await stream.waitFor((text) => text.includes('data: '));
  stream.abort();
  await within(upstreamClosed, 1000, 'the upstream request closed after the client hung up');
  await waitUntil(() => events.some((event) => event.type === 'request.end'), 1000, 'request.end');
  expect(events.find((event) => event.type === 'request.end')).toEqual(expect.objectContaining({ outcome: 'aborted', status: 200 }));
});

test('the request loggers see every byte, and the stream is not stalled by one that returns undefined', async () => {
  counted.bytes = 0;
  const res = await request(host.url)
    .post('/v1/chat/completions')
    .set('accept-encoding', 'identity')
    .timeout(3000)
    .send({ model: 'openai/gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [] });
  expect(res.text).toBe(fixtureText('openai-chat-stream-usage.sse'));
  expect(counted.bytes).toBe(Buffer.byteLength(res.text));
});

test('a provider list slower than 5 s is left out, with a models.error event, and the rest is served in time', async () => {
  // OpenRouter's list never comes: the default wait for one provider's list is 5 s.
  fakes.openrouter.handler = (r) => (r.method === 'GET' ? undefined : false);
  const otherHost = await startHost({ env: envFor(fakes) });
  const reported: TelemetryEvent[] = [];
  otherHost.router.telemetry.on('models.error', (event) => void reported.push(event));
  try {
    const started = Date.now();
    const list = await request(otherHost.url).get('/v1/models');
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(5900);
    const providers = new Set((list.body.data as Array<{ provider: string }>).map((m) => m.provider));
    expect([...providers].sort()).toEqual(['anthropic', 'local', 'openai']);
    expect(reported).toEqual([expect.objectContaining({ type: 'models.error', provider: 'openrouter', error: expect.any(String) })]);
  } finally {
    await otherHost.close();
  }
}, 15000);

test('listModels() resolves with the list GET /models serves at either mount, in the Anthropic shape too', async () => {
  const listed = await host.router.listModels();
  for (const mount of MOUNTS) {
    expect((await request(host.url).get(`${mount}/models`)).body).toEqual({ object: 'list', data: listed });
    const anthropicList = await request(host.url).get(`${mount}/models`).set('anthropic-version', '2023-06-01');
    expect(Object.keys(anthropicList.body).sort()).toEqual(['data', 'first_id', 'has_more', 'last_id']);
    expect(anthropicList.body.data.map((m: { id: string }) => m.id)).toEqual(listed.map((m) => m.id));
    expect(anthropicList.body).toEqual(expect.objectContaining({ has_more: false, first_id: listed[0]!.id, last_id: listed.at(-1)!.id }));
  }
});

describe.each([4, 5] as const)("fallback 'next' on Express %i, the host's express.json() mounted after the router", (expressVersion) => {
  test('does not wait for the body the router read: the host handler gets it parsed', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = (expressVersion === 4 ? require('express4') : require('express')) as typeof import('express');
    const later = await startHost(
      { env: envFor(fakes), fallback: 'next' },
      {
        expressVersion,
        mountPath: [...MOUNTS],
        after: (app) => {
          app.use(express.json());
          app.post('/api/v1/chat/completions', (req, res) => {
            res.json({ servedBy: 'host', body: req.body as unknown });
          });
        },
      },
    );
    try {
      const body = { model: 'my.gguf', messages: HI };
      const res = await request(later.url).post('/api/v1/chat/completions').timeout(2000).send(body);
      expect(res.body).toEqual({ servedBy: 'host', body });
    } finally {
      await later.close();
    }
  });
});

test('close() ends the router at both mounts; the host keeps serving its own routes', async () => {
  const closing = await startHost(
    { env: envFor(fakes), fallback: 'next' },
    { expressVersion: 4, before: (app) => beforeRouter(app, express4), after: afterRouter, mountPath: [...MOUNTS] },
  );
  try {
    await closing.router.close();
    for (const mount of MOUNTS) {
      const refused = await request(closing.url).post(`${mount}/chat/completions`).send({ model: 'openai/gpt-4o', messages: HI });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('router_closed');
      expect((await request(closing.url).get(`${mount}/models`)).status).toBe(503);
    }
    expect((await request(closing.url).get('/api/v1/health')).body).toEqual({ status: 'ok' });
    expect(fakes.received()).toEqual([]);
  } finally {
    await closing.close();
  }
});

test('run as a process of its own, the host writes nothing to stderr while the clients use both mounts', async () => {
  const child = await startHostProcess(join(__dirname, '../support/first-host/first-host.cjs'), { ...envFor(fakes), PROVIDER_MODELS_TTL_MS: '1' });
  try {
    for (const mount of MOUNTS) {
      const viaOpenAI = new OpenAI({ apiKey: 'host-token', baseURL: `${child.origin}${mount}`, maxRetries: 0 });
      const viaAnthropic = new Anthropic({ apiKey: 'host-token', baseURL: `${child.origin}${mount.replace(/\/v1$/, '')}`, maxRetries: 0 });
      for await (const chunk of await viaOpenAI.chat.completions.create({ model: 'openai/gpt-4o', stream: true, messages: HI }))
        expect(chunk).toBeDefined();
      expect((await viaOpenAI.chat.completions.create({ model: 'my.gguf', messages: HI })).choices[0]!.message.content).toBe('host served my.gguf');
      await viaOpenAI.completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'Say' });
      await viaOpenAI.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' });
      await viaOpenAI.responses.stream({ model: 'anthropic/claude-sonnet-5-5', input: 'Hi' }).finalResponse();
      await viaAnthropic.messages.stream({ model: 'openai/gpt-4o', max_tokens: 64, messages: HI }).finalMessage();
      await viaAnthropic.messages.countTokens({ model: 'anthropic/claude-sonnet-5-5', messages: HI });
      for await (const model of viaAnthropic.models.list()) expect(model.type).toBe('model');
      // A provider whose list fails is left out; with no logger given that is a telemetry event, not a line on stderr.
      fakes.openrouter.handler = (r, res) => (r.method === 'GET' ? sendJson(res, 500, { error: { message: 'down' } }) : false);
      const ids: string[] = [];
      for await (const model of viaOpenAI.models.list()) ids.push(model.id);
      expect(ids.some((id) => id.startsWith('openrouter/'))).toBe(false);
      fakes.openai.handler = (_r, res) => sendJson(res, 500, { error: { message: 'upstream broke', type: 'server_error' } });
      await expect(viaOpenAI.chat.completions.create({ model: 'openai/gpt-4o', messages: HI })).rejects.toThrow(/upstream broke/);
      fakes.reset();
    }
  } finally {
    await child.stop();
  }
  expect(child.stderr()).toBe('');
});
