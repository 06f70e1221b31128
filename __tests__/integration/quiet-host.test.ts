/**
 * A host sees nothing from the router on stderr while it works normally (DESIGN.md "Platform"):
 * no deprecation or experimental warnings on any supported Node. Each host runs as its own process
 * on the Node that runs this suite (`npm run test:node-versions` runs it on 22.15, 22, 24 and 26),
 * loading the package by name from its build, as users do; every route is exercised, then the
 * host's stderr must be empty.
 */
import { join } from 'node:path';
import { envFor } from '../support/host';
import { startHostProcess } from '../support/host-process';
import { openStream, postJson } from '../support/http-client';
import { chatBody } from '../support/request-bodies';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';

const fakes = useFakes();
let env: Record<string, string>;

beforeAll(() => {
  env = envFor(fakes);
});

/** Every route, answered well and badly, streamed and not, and a client that hangs up. */
async function exerciseEveryRoute(origin: string): Promise<void> {
  const v1 = `${origin}/v1`;
  expect((await postJson(`${v1}/chat/completions`, chatBody('openai/gpt-4o'))).status).toBe(200);
  expect((await postJson(`${v1}/chat/completions`, chatBody('local-model', { stream: true }))).text).toContain('data: [DONE]');
  expect((await postJson(`${v1}/chat/completions`, chatBody('openrouter/meta/llama', { stream: true }))).status).toBe(200);
  expect((await postJson(`${v1}/chat/completions`, chatBody('anthropic/claude-sonnet-5-5', { stream: true }))).text).toContain('[DONE]');
  expect((await postJson(`${v1}/completions`, { model: 'openai/gpt-3.5-turbo-instruct', prompt: 'hi' })).status).toBe(200);
  expect((await postJson(`${v1}/embeddings`, { model: 'openai/text-embedding-3-small', input: 'hi' })).status).toBe(200);
  const messages = { max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
  expect((await postJson(`${v1}/messages`, { model: 'anthropic/claude-sonnet-5-5', stream: true, ...messages })).text).toContain('message_stop');
  expect((await postJson(`${v1}/messages`, { model: 'openai/gpt-4o', stream: true, ...messages })).text).toContain('message_stop');
  expect((await postJson(`${v1}/messages/count_tokens`, { model: 'anthropic/claude-sonnet-5-5', ...messages })).status).toBe(200);
  expect((await fetch(`${v1}/models`)).status).toBe(200);
  expect((await postJson(`${v1}/responses`, { model: 'openai/gpt-5.5', input: 'hi', stream: true })).text).toContain('response.completed');
  expect((await postJson(`${v1}/responses`, { model: 'local-model', input: 'hi', stream: true })).text).toContain('response.completed');
  expect((await postJson(`${v1}/responses`, { model: 'anthropic/claude-sonnet-5-5', input: 'hi' })).status).toBe(200);
  expect((await postJson(`${v1}/responses`, { model: 'local-model', input: 'hi', previous_response_id: 'resp_1' })).status).toBe(400);

  fakes.openai.handler = (_request, res) => sendJson(res, 500, { error: { message: 'upstream broke', type: 'server_error' } });
  expect((await postJson(`${v1}/chat/completions`, chatBody('openai/gpt-4o'))).status).toBe(500);
  fakes.openai.handler = (_request, res) => sendFrames(res, ['data: {"choices":[{"index":0,"delta":{"content":"cut"}}]}\n\n']);
  expect((await postJson(`${v1}/chat/completions`, chatBody('openai/gpt-4o', { stream: true }))).text).toContain('"error"');
  fakes.openrouter.handler = (_request, res) => {
    res.socket?.destroy();
  };
  expect((await postJson(`${v1}/chat/completions`, chatBody('openrouter/meta/llama'))).status).toBe(502);
  expect((await postJson(`${v1}/chat/completions`, { messages: [] })).status).toBe(400);
  expect((await fetch(`${v1}/not-a-route`)).status).toBe(404);
  // A provider whose model list fails is left out of the list (the host runs with a list TTL of 1 ms).
  const listed = (await (await fetch(`${v1}/models`)).json()) as { data: Array<{ provider: string }> };
  expect(listed.data.some((model) => model.provider === 'openrouter')).toBe(false);
  expect(listed.data.some((model) => model.provider === 'local')).toBe(true);

  fakes.local.handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n');
  };
  const upstreamClosed = fakes.local.waitForClientClose();
  const stream = await openStream(`${v1}/chat/completions`, chatBody('local-model', { stream: true }));
  await stream.waitFor((text) => text.includes('Hel'));
  stream.abort();
  await upstreamClosed;
}

describe.each([
  ['a CommonJS host on Express 4', 'host.cjs'],
  ['an ES module host on Express 5', 'host.mjs'],
])(`%s on Node ${process.version}`, (_name, script) => {
  test('writes nothing to stderr while every route is used', async () => {
    const host = await startHostProcess(join(__dirname, '../support/quiet-host', script), { ...env, PROVIDER_MODELS_TTL_MS: '1' });
    try {
      await exerciseEveryRoute(host.origin);
    } finally {
      await host.stop();
    }
    expect(host.stderr()).toBe('');
  });
});

test('the check sees a deprecation warning when a host prints one', async () => {
  const host = await startHostProcess(join(__dirname, '../support/quiet-host/host.cjs'), { ...env, QUIET_HOST_SELF_CHECK: 'deprecated-api' });
  await host.stop();
  expect(host.stderr()).toMatch(/DEP0060/);
});
