/**
 * The real Codex CLI through the router inside a host stack as chat backends build it
 * (`__tests__/support/host-stack.ts`): `express.json()` first for the whole app, `compression()`,
 * the host's own auth that checks Codex's token (its provider's `env_key`, sent as
 * `Authorization: Bearer`), and the router at `/api/llm/v1`, Codex's `base_url`. On the bridged
 * route (llama-server's chat completions), the translated one (Anthropic's Messages) and a
 * passthrough one (OpenAI's Responses API): a text answer and an `exec_command` round trip, the
 * host's token on no upstream request, no key in anything the host wrote; a wrong token gets the
 * host's 401 and reaches no upstream. Runs with the Codex suite only, `CODEX_THROUGH_ROUTER=1`
 * (`npm run test:codex`).
 */
import { pathOf } from '../support/fake-server';
import type { ProviderId } from '../support/fake-upstream';
import { afterToolText, agentFor, helloText, TEXT_PROMPT, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT } from '../support/agent-upstreams';
import { HOST_REJECTION, STACK_PREFIX, useHostStack } from '../support/host-stack';
import { KEYS } from '../support/keys';
import { everythingSent } from '../support/recorded-requests';
import { useFakes } from '../support/use-fakes';
import { codexBinary, describeRun, IN_CODEX_SUITE, runCodex, THROUGH_ROUTER, type CodexRun } from './codex';

/** The token Codex sends (its provider's `env_key`): the host's, never a provider's. */
const CODEX_TOKEN = 'codex-client-token-0123456789';

if (!IN_CODEX_SUITE || !THROUGH_ROUTER) {
  test.todo('runs in the Codex suite only, through the router: npm run test:codex');
} else {
  const fakes = useFakes();
  const stack = useHostStack(fakes, CODEX_TOKEN, { prepare: codexBinary });
  const { host, observed, answers } = stack;
  const baseUrl = (): string => `${host.url}${STACK_PREFIX}/v1`;

  interface Case {
    provider: ProviderId;
    model: string;
    /** The path the fake upstream is asked on. */
    path: string;
    /** The auth headers the provider gets: its key, and nothing else. */
    auth: { authorization?: string; 'x-api-key'?: string };
    how: string;
  }
  const CASES: Case[] = [
    {
      provider: 'local',
      model: 'local/qwen2.5-0.5b-instruct-q4_k_m.gguf',
      path: '/v1/chat/completions',
      auth: {},
      how: 'bridged through chat completions',
    },
    {
      provider: 'anthropic',
      model: 'anthropic/claude-sonnet-5-5',
      path: '/v1/messages',
      auth: { 'x-api-key': KEYS.anthropic },
      how: 'translated to Messages',
    },
    { provider: 'openai', model: 'openai/gpt-5.5', path: '/v1/responses', auth: { authorization: `Bearer ${KEYS.openai}` }, how: 'passed through' },
  ];

  /** Runs Codex through the stack, and checks what every run through it must. */
  async function run(c: Case, prompt: string): Promise<CodexRun> {
    const fake = fakes[c.provider];
    fake.handler = agentFor(fake);
    const result = await runCodex({ baseUrl: baseUrl(), model: c.model, prompt, token: CODEX_TOKEN });
    if (result.exitCode !== 0 || result.errors.length > 0 || result.timedOut) throw new Error(`Codex failed:\n${describeRun(result)}`);
    expect(stack.rejected).toEqual([]);
    // Only the provider's fake was asked, on its path, with its key alone and nothing of the host's token.
    expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual(fake.requests.map(() => `POST ${c.path}`));
    expect(everythingSent(fakes.all())).not.toContain(CODEX_TOKEN);
    for (const request of fake.requests) {
      const { authorization, 'x-api-key': apiKey } = request.headers;
      expect({ authorization, 'x-api-key': apiKey }).toEqual({ authorization: undefined, 'x-api-key': undefined, ...c.auth });
    }
    // Every answer the router wrote is a stream compression() left alone, and no piece of a key
    // shows in it, its headers, the telemetry, the log or what Codex printed.
    await observed.waitForEnds(answers.length, 10_000);
    expect(answers.map((a) => [a.path, a.status, a.headers['content-type'], a.headers['content-encoding']])).toEqual(
      fake.requests.map(() => [`${STACK_PREFIX}/v1/responses`, 200, expect.stringContaining('text/event-stream'), undefined]),
    );
    stack.expectNoKeys(result, Object.values(KEYS));
    expect(observed.ends().map((end) => [end.provider, end.outcome])).toEqual(fake.requests.map(() => [c.provider, 'ok']));
    return result;
  }

  describe.each(CASES)('$model ($how)', (c) => {
    test('a text answer', async () => {
      const result = await run(c, TEXT_PROMPT);
      expect(result.finalMessage).toBe(helloText(c.provider));
      expect(fakes[c.provider].requests).toHaveLength(1);
    });

    test('an exec_command round trip', async () => {
      const result = await run(c, TOOL_PROMPT);
      expect(result.commands).toEqual([
        expect.objectContaining({ command: expect.stringContaining(TOOL_COMMAND) as string, exitCode: 0, output: `${TOOL_OUTPUT}\n` }),
      ]);
      expect(result.finalMessage).toBe(afterToolText(TOOL_OUTPUT));
      const [, second] = fakes[c.provider].requests;
      expect(second!.rawBody).toContain(TOOL_OUTPUT);
    });
  });

  test("a wrong token: Codex gets the host's 401, and nothing reaches the router or an upstream", async () => {
    fakes.local.handler = agentFor(fakes.local);
    const result = await runCodex({ baseUrl: baseUrl(), model: CASES[0]!.model, prompt: TEXT_PROMPT, token: 'not-the-host-token-0123456789' });
    if (result.timedOut || result.exitCode === 0) throw new Error(`expected a failed run:\n${describeRun(result)}`);
    expect(result.errors.join('\n')).toContain(HOST_REJECTION.error.message);
    expect(stack.rejected.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${STACK_PREFIX}/v1/responses`]);
    expect(answers).toEqual([]);
    expect(observed.events).toEqual([]);
    expect(fakes.received()).toEqual([]);
    stack.expectNoKeys(result, Object.values(KEYS));
  });
}
