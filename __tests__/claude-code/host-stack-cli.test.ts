/**
 * The real Claude Code CLI through the router inside a host stack as chat backends build it
 * (`__tests__/support/host-stack.ts`): `express.json()` first for the whole app, `compression()`,
 * the host's own auth that checks Claude Code's token (`x-api-key` from `ANTHROPIC_API_KEY`,
 * `Authorization: Bearer` from `ANTHROPIC_AUTH_TOKEN`), and the router at `/api/llm/v1` with
 * `ANTHROPIC_BASE_URL` at `/api/llm`. On a translated route (OpenAI's chat completions) and a
 * passthrough one (Anthropic's Messages): a text answer, a `Bash` round trip and a long file read
 * (`count_tokens`, then a body over `express.json()`'s default limit), the host's token on no
 * upstream request, no key in anything the host wrote; a wrong token gets the host's 401 and
 * reaches no upstream. Runs with the Claude Code suite only (`npm run test:claude-code`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathOf } from '../support/fake-server';
import type { ProviderId } from '../support/fake-upstream';
import { afterToolText, agentFor, helloText, READ_TOOL, readFilePrompt, TEXT_PROMPT, TOOL_OUTPUT, TOOL_PROMPT } from '../support/agent-upstreams';
import { HOST_REJECTION, STACK_PREFIX, useHostStack, type Rejection } from '../support/host-stack';
import { KEYS } from '../support/keys';
import { everythingSent } from '../support/recorded-requests';
import { useFakes } from '../support/use-fakes';
import { CLAUDE_TOKEN, claudeBinary, describeRun, expectSuccess, IN_CLAUDE_CODE_SUITE, newSession, runClaude, type ClaudeRun } from './claude-code';

type Auth = 'api-key' | 'bearer';

if (!IN_CLAUDE_CODE_SUITE) {
  test.todo('runs in the Claude Code suite only: npm run test:claude-code');
} else {
  const fakes = useFakes();
  const stack = useHostStack(fakes, CLAUDE_TOKEN, { prepare: claudeBinary });
  const { host, observed, answers } = stack;
  const baseUrl = (): string => `${host.url}${STACK_PREFIX}`;

  interface Case {
    provider: ProviderId;
    model: string;
    /** The path the fake upstream is asked on, and the header its key goes in. */
    path: string;
    keyHeader: 'authorization' | 'x-api-key';
    how: string;
  }
  const CASES: Case[] = [
    { provider: 'openai', model: 'openai/gpt-5.5', path: '/v1/chat/completions', keyHeader: 'authorization', how: 'translated to chat completions' },
    { provider: 'anthropic', model: 'anthropic/claude-sonnet-4-5', path: '/v1/messages', keyHeader: 'x-api-key', how: 'passed through' },
  ];

  /**
   * The requests of `rejected` but Claude Code's warm-up: a `HEAD` of `ANTHROPIC_BASE_URL` that
   * carries no credential, which the host's auth refuses like any other and Claude Code ignores.
   */
  function posted(rejected: Rejection[]): Rejection[] {
    const [warmUps, others] = [rejected.filter((r) => r.method === 'HEAD'), rejected.filter((r) => r.method !== 'HEAD')];
    for (const warmUp of warmUps)
      expect([warmUp.path, warmUp.headers.authorization, warmUp.headers['x-api-key']]).toEqual([STACK_PREFIX, undefined, undefined]);
    return others;
  }

  /** Runs Claude Code through the stack with `auth`, and checks what every run through it must. */
  async function run(c: Case, prompt: string, auth: Auth): Promise<ClaudeRun> {
    const fake = fakes[c.provider];
    fake.handler = agentFor(fake);
    const result = await runClaude({ baseUrl: baseUrl(), model: c.model, prompt, token: CLAUDE_TOKEN, auth });
    expectSuccess(result);
    expect(posted(stack.rejected)).toEqual([]);
    // Only the provider's fake was asked, on its path, with its key in its header and nothing of the host's token.
    expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual(fake.requests.map(() => `POST ${c.path}`));
    expect(everythingSent(fakes.all())).not.toContain(CLAUDE_TOKEN);
    for (const request of fake.requests) {
      const { authorization, 'x-api-key': apiKey } = request.headers;
      expect({ authorization, apiKey }).toEqual(
        c.keyHeader === 'authorization'
          ? { authorization: `Bearer ${KEYS.openai}`, apiKey: undefined }
          : { authorization: undefined, apiKey: KEYS.anthropic },
      );
    }
    // Every answer the router wrote is a stream compression() left alone, and no piece of a key
    // shows in it, its headers, the telemetry, the log or what Claude Code printed.
    await observed.waitForEnds(answers.length, 10_000);
    expect(answers.map((a) => [a.status, a.headers['content-type'], a.headers['content-encoding']])).toEqual(
      fake.requests.map(() => [200, expect.stringContaining('text/event-stream'), undefined]),
    );
    stack.expectNoKeys(result, Object.values(KEYS));
    expect(observed.ends().map((end) => [end.provider, end.outcome])).toEqual(fake.requests.map(() => [c.provider, 'ok']));
    return result;
  }

  describe.each(CASES)('$model ($how)', (c) => {
    test('a text answer, the token as x-api-key (ANTHROPIC_API_KEY)', async () => {
      const result = await run(c, TEXT_PROMPT, 'api-key');
      expect(result.result?.result).toBe(helloText(c.provider));
      expect(fakes[c.provider].requests).toHaveLength(1);
    });

    test('a Bash round trip, the token as Authorization: Bearer (ANTHROPIC_AUTH_TOKEN)', async () => {
      const result = await run(c, TOOL_PROMPT, 'bearer');
      expect(result.toolResults).toEqual([expect.objectContaining({ is_error: false, content: TOOL_OUTPUT })]);
      expect(result.result?.result).toBe(afterToolText(TOOL_OUTPUT));
      const [, second] = fakes[c.provider].requests;
      expect(JSON.stringify(second!.body!.messages)).toContain(TOOL_OUTPUT);
    });
  });

  describe("a long file read with Claude Code's Read tool: counted first, then a body over express.json()'s default 100 kB", () => {
    /** About 150 KB of text: more than the 25,000 tokens Claude Code reads at once, less than its 256 KB limit. */
    const LONG_TEXT = Array.from({ length: 2000 }, (_, i) => `line ${i}: the router sends each model to its provider, and back again`).join('\n');

    test.each(CASES)('$model: count_tokens as the route answers it, and the read reaches the model', async (c) => {
      const session = newSession();
      try {
        const path = join(session.workDir, 'long.txt');
        writeFileSync(path, LONG_TEXT);
        const fake = fakes[c.provider];
        fake.handler = agentFor(fake);
        const result = await runClaude({
          baseUrl: baseUrl(),
          model: c.model,
          prompt: readFilePrompt(path),
          token: CLAUDE_TOKEN,
          session,
          allowedTools: [READ_TOOL],
        });
        expectSuccess(result);
        expect(result.toolResults).toHaveLength(1);
        expect(posted(stack.rejected)).toEqual([]);
        await observed.waitForEnds(answers.length, 10_000);
        const counts = answers.filter((a) => a.path.startsWith(`${STACK_PREFIX}/v1/messages/count_tokens`));
        expect(counts.length).toBeGreaterThan(0);
        // Passed through to Anthropic with its key; a translated route's 404 the router writes itself.
        expect(counts.map((a) => a.status)).toEqual(counts.map(() => (c.provider === 'anthropic' ? 200 : 404)));
        const sentCounts = fake.requests.filter((r) => pathOf(r) === '/v1/messages/count_tokens');
        expect(sentCounts).toHaveLength(c.provider === 'anthropic' ? counts.length : 0);
        for (const count of sentCounts) expect(count.headers['x-api-key']).toBe(KEYS.anthropic);
        const turns = fake.requests.filter((r) => pathOf(r) === c.path);
        expect(turns).toHaveLength(2);
        expect(turns[1]!.rawBody.length).toBeGreaterThan(100_000);
        expect(turns[1]!.rawBody).toContain('line 1000: the router');
        expect(everythingSent(fakes.all())).not.toContain(CLAUDE_TOKEN);
        stack.expectNoKeys(result, Object.values(KEYS));
      } finally {
        session.remove();
      }
    });
  });

  test.each(['api-key', 'bearer'] as const)(
    'a wrong token (%s): Claude Code gets the host 401, and nothing reaches the router or an upstream',
    async (auth) => {
      fakes.openai.handler = agentFor(fakes.openai);
      const result = await runClaude({
        baseUrl: baseUrl(),
        model: 'openai/gpt-5.5',
        prompt: TEXT_PROMPT,
        token: 'not-the-host-token-0123456789',
        auth,
        env: { CLAUDE_CODE_MAX_RETRIES: '0' },
        timeoutMs: 45_000,
      });
      if (result.timedOut || result.exitCode === 0 || result.result?.is_error !== true)
        throw new Error(`expected a failed run:\n${describeRun(result)}`);
      // Claude Code shows the host's status and message.
      expect(result.result).toMatchObject({ api_error_status: 401, result: expect.stringContaining(HOST_REJECTION.error.message) });
      const refused = posted(stack.rejected);
      expect(refused.map((r) => `${r.method} ${r.path}`)).toEqual(refused.map(() => `POST ${STACK_PREFIX}/v1/messages?beta=true`));
      expect(refused.length).toBeGreaterThan(0);
      expect(answers).toEqual([]);
      expect(observed.events).toEqual([]);
      expect(fakes.received()).toEqual([]);
      stack.expectNoKeys(result, Object.values(KEYS));
    },
  );
}
