/**
 * The real Codex CLI through the router to upstreams that misbehave as real ones do, on the routes
 * where the router writes the Responses stream itself (DESIGN section 11): `local/...` bridged
 * through chat completions, and `anthropic/...` translated to Messages. Codex reads a turn's
 * failure from `response.failed` with `response.error.message`, or, before the stream, from the
 * error body (for the statuses it reads a body of: a 429 and a 500 it shows in its own words). For
 * each misbehaviour: what Codex shows, that it ends (no hang), that the provider's message reaches
 * it, or at least the host's answer, with the provider's status, that no key shows anywhere (the
 * CLI's output, the host's answers, telemetry, log and conversation records), and that the turn
 * ends as DESIGN sections 2, 3, 9 and 11 say. Codex's own retries are off. Runs with the Codex
 * suite only (`CODEX_THROUGH_ROUTER=1 jest -c jest.codex.config.js`).
 */
import type { RequestEndEvent } from '../../lib';
import { afterToolText, agentFor, EXEC_TOOL, TEXT_PROMPT, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT } from '../support/agent-upstreams';
import type { TappedAnswer } from '../support/answer-tap';
import type { FakeUpstream } from '../support/fake-upstream';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import {
  closingFrames,
  dialectOf,
  emptyFrames,
  inStreamErrorFrames,
  OPENING_TEXT,
  openingFrames,
  REASONING_TEXT,
  reasoningThenTextFrames,
  proxyBadGateway,
  refuseGzipped,
  refuseWith,
  streamGzipped,
  streamThenSilence,
  textFrames,
  toolCallFrames,
  WHOLE_TEXT,
  withLineEndings,
  type ProviderError,
  type UpstreamDialect,
} from '../support/misbehaving-upstreams';
import { parseResponsesSse, responsesStreamResult, type ResponsesStreamResult } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useWatchedHost } from '../support/use-host';
import { waitUntil } from '../support/wait';
import { DONE_FRAME } from '../support/wire-frames';
import { describeRun, runCodex, type CodexRun, IN_CODEX_SUITE, THROUGH_ROUTER } from './codex';

/** The host's idle timeout: short, so that a silent upstream fails the turn quickly. */
const IDLE_MS = 1000;
/** llama-server's key (`LOCAL_API_KEY`), so that a 401 on the local route has a key to echo. */
const LOCAL_KEY = 'sk-local-test-0123456789abcdefghij';
const ALL_KEYS = [...Object.values(KEYS), LOCAL_KEY];

/** The call the tool scenarios make: Codex's shell tool running `TOOL_COMMAND`. */
const SHELL_CALL = { id: 'call_misbehaving_1', name: EXEC_TOOL, arguments: JSON.stringify({ cmd: TOOL_COMMAND }) };

/** A provider error before the stream, and what Codex shows of it. */
interface RefusalCase {
  name: string;
  error: (dialect: UpstreamDialect) => ProviderError;
  /** What Codex shows: the provider's message, or its own words for statuses whose body it does not read. */
  codexShows?: string;
  /** Codex shows the host's request id with its own words (which lead to the provider's message in the host's log). */
  showsRequestId?: boolean;
}

const REFUSALS: RefusalCase[] = [
  {
    name: '403',
    error: (d) => ({
      status: 403,
      type: d === 'chat' ? 'permission_denied' : 'permission_error',
      message: 'Project does not have access to this model.',
    }),
  },
  {
    name: '404',
    error: (d) => ({ status: 404, type: d === 'chat' ? 'model_not_found' : 'not_found_error', message: 'model: qwen-unknown does not exist.' }),
  },
  {
    name: '413',
    error: () => ({
      status: 413,
      type: 'request_too_large',
      message: 'Request exceeds the maximum allowed number of bytes.',
    }),
  },
  {
    name: '429 with retry-after',
    error: (d) => ({
      status: 429,
      type: d === 'chat' ? 'rate_limit_exceeded' : 'rate_limit_error',
      message: 'Rate limit reached for requests per min: Limit 50, Used 50. Please try again in 7s.',
      headers: { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0', 'set-cookie': 'session=upstream', 'openai-organization': 'org-upstream' },
    }),
    // Codex reads no body of a 429 that is not its own usage limit.
    codexShows: '429 Too Many Requests',
    showsRequestId: true,
  },
  {
    name: '500',
    error: (d) => ({
      status: 500,
      type: d === 'chat' ? 'server_error' : 'api_error',
      message: 'The server had an error while processing your request.',
    }),
    // Codex shows every 500 in its own words.
    codexShows: 'experiencing high demand',
  },
  {
    name: '503',
    error: (d) => ({ status: 503, type: d === 'chat' ? 'unavailable' : 'api_error', message: 'Loading model: the slot is busy, try again later.' }),
  },
  { name: '529', error: () => ({ status: 529, type: 'overloaded_error', message: 'Overloaded: the upstream is at capacity.' }) },
];

if (!IN_CODEX_SUITE || !THROUGH_ROUTER) {
  test.todo('runs in the Codex suite through the router: CODEX_THROUGH_ROUTER=1 jest -c jest.codex.config.js');
} else {
  describe('the Codex CLI through the router to bridged and translated upstreams that misbehave', () => {
    const fakes = useFakes();
    const { host, observed, answers, expectNoKeys } = useWatchedHost(fakes, {
      env: { PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS), LOCAL_API_KEY: LOCAL_KEY },
    });

    const ROUTES: Array<[string, () => FakeUpstream]> = [
      ['local/qwen (bridged to chat completions)', () => fakes.local],
      ['anthropic/claude-sonnet-4-5 (translated to Messages)', () => fakes.anthropic],
    ];
    const [LOCAL_ROUTE] = ROUTES[0]!;

    /** Runs Codex once on `route`, and checks what every run must: it ended, and no key shows anywhere. */
    async function codex(route: string, prompt = TEXT_PROMPT): Promise<CodexRun> {
      const run = await runCodex({ baseUrl: `${host.url}/v1`, model: route.split(' ')[0]!, prompt, token: CLIENT_TOKEN, timeoutMs: 30_000 });
      if (run.timedOut) throw new Error(`Codex hung:\n${describeRun(run)}`);
      await observed.waitForEnds(answers.filter((answer) => answer.path.endsWith('/responses')).length, 5000);
      expectNoKeys(run, ALL_KEYS);
      return run;
    }

    function expectFailed(run: CodexRun, shows: string): void {
      if (run.exitCode !== 1 || !run.errors.join('\n').includes(shows))
        throw new Error(`expected a failed turn showing "${shows}":\n${describeRun(run)}`);
      expect(run.finalMessage).toBeUndefined();
    }

    function expectAnswer(run: CodexRun, text: string): void {
      if (run.exitCode !== 0 || run.finalMessage !== text) throw new Error(`expected the answer "${text}":\n${describeRun(run)}`);
    }

    /** The host's answers to `/responses`, in order. */
    const responsesAnswers = (): TappedAnswer[] => answers.filter((answer) => answer.path.endsWith('/responses'));

    /** The host's last Responses stream, read strictly (every frame with its `event:` line, one terminal event, numbered). */
    function hostStream(): ResponsesStreamResult {
      const answer = responsesAnswers().at(-1)!;
      expect(answer).toMatchObject({ status: 200, headers: { 'content-type': expect.stringContaining('text/event-stream') } });
      return responsesStreamResult(parseResponsesSse(answer.body));
    }

    /** The host's last stream ended with `response.failed` carrying a code and `message`. */
    function expectStreamFailed(message: string): void {
      const stream = hostStream();
      expect(stream.terminal).toBe('response.failed');
      expect(stream.response?.error).toEqual({ code: expect.any(String), message: expect.stringContaining(message) });
    }

    const lastEnd = (): RequestEndEvent | undefined => observed.ends().at(-1);

    describe('errors before the stream keep their status and message (DESIGN sections 3, 11)', () => {
      for (const refusal of REFUSALS) {
        test.each(ROUTES)(`%s: ${refusal.name} fails the turn, the provider's message in the host's answer`, async (route, fake) => {
          const error = refusal.error(dialectOf(fake()));
          fake().handler = refuseWith(fake(), error);
          const run = await codex(route);
          expectFailed(run, refusal.codexShows ?? error.message);
          const [answer, ...more] = responsesAnswers();
          expect(more).toEqual([]);
          expect(answer?.status).toBe(error.status);
          expect(JSON.parse(answer!.body)).toEqual({ error: expect.objectContaining({ message: expect.stringContaining(error.message) }) });
          if (error.headers?.['retry-after']) {
            expect(answer?.headers).toMatchObject({ 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' });
            expect(Object.keys(answer!.headers)).not.toEqual(expect.arrayContaining(['set-cookie']));
            expect(JSON.stringify(answer?.headers)).not.toContain('org-upstream');
          }
          expect(lastEnd()).toMatchObject({ status: error.status, outcome: 'error', requestId: answer?.headers['x-request-id'] });
          if (refusal.showsRequestId) expect(run.errors.join('\n')).toContain(`request id: ${String(answer?.headers['x-request-id'])}`);
        });
      }

      test.each(ROUTES)('%s: a 401 whose message echoes the key fails the turn with the message, the key redacted', async (route, fake) => {
        const key = fake().kind === 'local' ? LOCAL_KEY : KEYS.anthropic;
        const type = dialectOf(fake()) === 'chat' ? 'invalid_api_key' : 'authentication_error';
        fake().handler = refuseWith(fake(), { status: 401, type, message: `Incorrect API key provided: ${key}. Check your key.` });
        const run = await codex(route);
        expectFailed(run, 'Incorrect API key provided');
        expect(run.errors.join('\n')).toContain('Check your key.');
        expect(responsesAnswers()[0]?.status).toBe(401);
      });

      test.each(ROUTES)(
        "%s: a gzip-compressed 429 (despite accept-encoding identity) is decoded: the provider's message in the host's answer",
        async (route, fake) => {
          const message = 'You exceeded your current quota for tokens per minute.';
          const type = dialectOf(fake()) === 'chat' ? 'rate_limit_exceeded' : 'rate_limit_error';
          fake().handler = refuseGzipped(fake(), { status: 429, type, message });
          const run = await codex(route);
          expectFailed(run, '429 Too Many Requests');
          expect(JSON.parse(responsesAnswers()[0]!.body)).toEqual({ error: expect.objectContaining({ message: expect.stringContaining(message) }) });
        },
      );

      test.each(ROUTES)("%s: a proxy's HTML 502 page fails the turn with a 502 in OpenAI's shape", async (route, fake) => {
        fake().handler = proxyBadGateway;
        const run = await codex(route);
        expect(run.exitCode).toBe(1);
        const [answer] = responsesAnswers();
        expect(answer?.status).toBe(502);
        expect(JSON.parse(answer!.body)).toEqual({ error: expect.objectContaining({ message: expect.any(String) }) });
        expect(lastEnd()).toMatchObject({ status: 502, outcome: 'error' });
      });

      test.each(ROUTES)('%s: no answer within PROVIDER_TIMEOUT_MS fails the turn with a 504 naming the timeout', async (route, fake) => {
        fake().handler = () => true;
        const run = await codex(route);
        expectFailed(run, 'PROVIDER_TIMEOUT_MS');
        expect(responsesAnswers()[0]?.status).toBe(504);
      });

      test.each(ROUTES)("%s: a 200 JSON answer that is only an error fails the turn with its message and its code's status", async (route, fake) => {
        const message = 'No endpoints available for this model right now.';
        fake().handler = (_request, res) => sendJson(res, 200, { error: { code: 503, message } });
        const run = await codex(route);
        expectFailed(run, message);
        expect(responsesAnswers()[0]?.status).toBe(503);
        expect(lastEnd()).toMatchObject({ status: 503, outcome: 'error' });
      });

      test("anthropic/...: a 200 JSON answer in Anthropic's error shape fails the turn with its message (a 502)", async () => {
        const message = 'Overloaded: try again shortly.';
        fakes.anthropic.handler = (_request, res) => sendJson(res, 200, { type: 'error', error: { type: 'overloaded_error', message } });
        const run = await codex(ROUTES[1]![0]);
        expectFailed(run, message);
        expect(responsesAnswers()[0]?.status).toBe(502);
      });
    });

    describe('failures inside the stream end it with response.failed and the reason (DESIGN sections 2, 11)', () => {
      test.each(ROUTES)('%s: a stream cut after some text (no terminator) fails the turn', async (route, fake) => {
        fake().handler = (_request, res) => sendFrames(res, openingFrames(dialectOf(fake())));
        const run = await codex(route);
        expectFailed(run, 'ended before');
        expectStreamFailed('ended before');
        expect(lastEnd()).toMatchObject({ status: 200, outcome: 'error' });
      });

      test.each(ROUTES)('%s: a stream cut after its finish reason, before its terminator, fails the turn', async (route, fake) => {
        const dialect = dialectOf(fake());
        // Everything but the terminator: chat's `[DONE]`, Anthropic's `message_stop`.
        fake().handler = (_request, res) => sendFrames(res, [...openingFrames(dialect), ...closingFrames(dialect).slice(0, -1)]);
        const run = await codex(route);
        expectFailed(run, 'ended before');
        expectStreamFailed('ended before');
      });

      test.each(ROUTES)("%s: a stream cut inside a tool call's arguments fails the turn, and nothing runs", async (route, fake) => {
        fake().handler = (_request, res) => sendFrames(res, toolCallFrames(dialectOf(fake()), SHELL_CALL, { pieceLength: 6, cutAfterPieces: 2 }));
        const run = await codex(route, TOOL_PROMPT);
        expectFailed(run, 'ended before');
        expect(run.commands).toEqual([]);
        expect(hostStream().functionCalls).toEqual([]);
        expect(fake().requests).toHaveLength(1);
      });

      test.each(ROUTES)(
        "%s: the provider's in-stream error (OpenRouter's chunk beside choices; Anthropic's overloaded_error) fails the turn with its message",
        async (route, fake) => {
          const message = 'Provider returned error: upstream disconnected';
          fake().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(dialectOf(fake()), message, 'choices'));
          const run = await codex(route);
          expectFailed(run, message);
          expectStreamFailed(message);
          expect(lastEnd()).toMatchObject({ status: 200, outcome: 'error', error: { message: expect.stringContaining(message) } });
        },
      );

      test.each(ROUTES)("%s: the provider's in-stream error as the stream's first event fails the turn with its message", async (route, fake) => {
        const message = 'Overloaded before the first token';
        const dialect = dialectOf(fake());
        fake().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(dialect, message, 'alone', 529).slice(openingFrames(dialect).length));
        const run = await codex(route);
        expectFailed(run, message);
        expectStreamFailed(message);
      });

      test("local/...: OpenRouter's in-stream error chunk without choices fails the turn with its message", async () => {
        const message = 'Provider returned error: the model crashed';
        fakes.local.handler = (_request, res) => sendFrames(res, inStreamErrorFrames('chat', message, 'alone'));
        const run = await codex(LOCAL_ROUTE);
        expectFailed(run, message);
        expectStreamFailed(message);
      });

      test.each(ROUTES)('%s: an in-stream rate limit fails the turn as rate_limit_exceeded, with its message', async (route, fake) => {
        const message = 'Rate limit exceeded: free-models-per-min. Please try again later.';
        fake().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(dialectOf(fake()), message, 'choices', 429));
        const run = await codex(route);
        expectFailed(run, message);
        expect(hostStream().response?.error).toEqual({ code: 'rate_limit_exceeded', message: expect.stringContaining(message) });
      });

      test.each(ROUTES)('%s: an in-stream error that echoes the key fails the turn with its message, the key redacted', async (route, fake) => {
        const key = fake().kind === 'local' ? LOCAL_KEY : KEYS.anthropic;
        fake().handler = (_request, res) =>
          sendFrames(res, inStreamErrorFrames(dialectOf(fake()), `Upstream auth failed for key ${key} mid-generation`, 'choices'));
        const run = await codex(route);
        expectFailed(run, 'mid-generation');
        expectStreamFailed('mid-generation');
      });

      test("local/...: older llama-server's `error: {...}` line (a field SSE ignores) fails the turn with its message", async () => {
        const message = 'the request exceeds the available context size, try increasing it';
        const line = `error: ${JSON.stringify({ code: 400, message, type: 'exceed_context_size_error' })}\n\n`;
        fakes.local.handler = (_request, res) => sendFrames(res, [...openingFrames('chat'), line]);
        const run = await codex(LOCAL_ROUTE);
        // Codex words a full context its own way; the provider's message is in the host's stream.
        expectFailed(run, 'context');
        expect(hostStream().response?.error).toEqual({ code: 'context_length_exceeded', message: expect.stringContaining(message) });
      });

      test.each(ROUTES)('%s: response headers, then silence past PROVIDER_IDLE_TIMEOUT_MS, fails the turn', async (route, fake) => {
        fake().handler = (_request, res) => streamThenSilence(res, []);
        const run = await codex(route);
        expectFailed(run, 'PROVIDER_IDLE_TIMEOUT_MS');
        expect(fake().closedRequests).toBe(1);
      });

      test.each(ROUTES)('%s: silence past PROVIDER_IDLE_TIMEOUT_MS fails the turn soon after', async (route, fake) => {
        fake().handler = (_request, res) => streamThenSilence(res, openingFrames(dialectOf(fake())));
        const run = await codex(route);
        expectFailed(run, 'PROVIDER_IDLE_TIMEOUT_MS');
        expectStreamFailed('PROVIDER_IDLE_TIMEOUT_MS');
        expect(run.durationMs).toBeLessThan(IDLE_MS + 10_000);
        expect(fake().closedRequests).toBe(1);
      });

      test('local/...: a tool call whose name never arrives fails the turn, and nothing runs', async () => {
        fakes.local.handler = (_request, res) => sendFrames(res, toolCallFrames('chat', SHELL_CALL, { pieceLength: 8, nameless: true }));
        const run = await codex(LOCAL_ROUTE, TOOL_PROMPT);
        expectFailed(run, 'name');
        expect(run.commands).toEqual([]);
        expect(hostStream().terminal).toBe('response.failed');
      });

      test('local/...: an empty stream (`data: [DONE]` alone) fails the turn as no answer', async () => {
        fakes.local.handler = (_request, res) => sendFrames(res, emptyFrames('chat'));
        const run = await codex(LOCAL_ROUTE);
        expectFailed(run, 'without an answer');
        expectStreamFailed('without an answer');
      });
    });

    describe('answers that are whole but unusual reach Codex whole', () => {
      test.each(ROUTES)('%s: a gzip-compressed stream despite accept-encoding identity is decoded', async (route, fake) => {
        fake().handler = (_request, res) => streamGzipped(res, textFrames(dialectOf(fake())));
        const run = await codex(route);
        expectAnswer(run, WHOLE_TEXT);
        expect(fake().requests[0]?.headers['accept-encoding']).toBe('identity');
      });

      test.each(ROUTES)('%s: a whole answer whose stream stays open after its terminator completes the turn at once', async (route, fake) => {
        fake().handler = (_request, res) => streamThenSilence(res, textFrames(dialectOf(fake())));
        const run = await codex(route);
        expectAnswer(run, WHOLE_TEXT);
        expect(hostStream().terminal).toBe('response.completed');
        expect(lastEnd()).toMatchObject({ outcome: 'ok' });
        // The router drains what may follow for as long as PROVIDER_IDLE_TIMEOUT_MS, then lets the connection go.
        await waitUntil(() => fake().closedRequests === 1, 3000, 'the upstream connection closed');
      });

      for (const [name, eol] of [
        ['CRLF', '\r\n'],
        ['lone CR', '\r'],
      ] as const) {
        test.each(ROUTES)(`%s: a stream with ${name} line endings is read whole`, async (route, fake) => {
          fake().handler = (_request, res) => sendFrames(res, withLineEndings(textFrames(dialectOf(fake())), eol));
          const run = await codex(route);
          expectAnswer(run, WHOLE_TEXT);
          expect(hostStream().terminal).toBe('response.completed');
        });
      }

      test.each(ROUTES)(
        '%s: a tool call in many small pieces (on chat with its id and name last) runs, and the answer follows',
        async (route, fake) => {
          const agent = agentFor(fake());
          fake().handler = (request, res, req) => {
            if (fake().requests.length > 1) return agent(request, res, req);
            sendFrames(res, toolCallFrames(dialectOf(fake()), SHELL_CALL, { pieceLength: 3, identityLate: true }));
            return true;
          };
          const run = await codex(route, TOOL_PROMPT);
          expectAnswer(run, afterToolText(TOOL_OUTPUT));
          expect(run.commands).toMatchObject([{ command: expect.stringContaining(TOOL_COMMAND), exitCode: 0 }]);
          expect(fake().requests).toHaveLength(2);
        },
      );

      test.each(ROUTES)('%s: reasoning deltas then text: a reasoning item, then the answer', async (route, fake) => {
        // vLLM and Ollama write the reasoning as `reasoning`; the router reads it as llama-server's `reasoning_content`.
        fake().handler = (_request, res) => sendFrames(res, reasoningThenTextFrames(dialectOf(fake()), 'reasoning'));
        const run = await codex(route);
        expectAnswer(run, WHOLE_TEXT);
        // Codex's JSON output shows reasoning summaries only: the item is read from the host's stream.
        const items = hostStream().items;
        expect(items.map((item) => item.type)).toEqual(['reasoning', 'message']);
        expect(items[0]).toMatchObject({ content: [{ type: 'reasoning_text', text: REASONING_TEXT }] });
      });

      test('anthropic/...: an answer with no content block completes the turn, with no message', async () => {
        fakes.anthropic.handler = (_request, res) => sendFrames(res, emptyFrames('messages'));
        const run = await codex(ROUTES[1]![0]);
        expect(run.exitCode).toBe(0);
        expect(run.finalMessage).toBeUndefined();
        expect(hostStream().terminal).toBe('response.completed');
      });

      test('local/...: text, then `data: [DONE]` with no finish reason at all, completes the turn with the text', async () => {
        fakes.local.handler = (_request, res) => sendFrames(res, [...openingFrames('chat'), DONE_FRAME]);
        const run = await codex(LOCAL_ROUTE);
        expectAnswer(run, OPENING_TEXT);
        expect(hostStream().terminal).toBe('response.completed');
      });

      test.each(ROUTES)('%s: an answer cut by the token limit shows its text and reports the turn incomplete', async (route, fake) => {
        fake().handler = (_request, res) => sendFrames(res, textFrames(dialectOf(fake()), 'length'));
        const run = await codex(route);
        expect(run.exitCode).toBe(1);
        expect(run.finalMessage).toBe(WHOLE_TEXT);
        expect(run.errors.join('\n')).toContain('max_output_tokens');
        expect(hostStream()).toMatchObject({ terminal: 'response.incomplete', response: { incomplete_details: { reason: 'max_output_tokens' } } });
      });
    });
  });
}
