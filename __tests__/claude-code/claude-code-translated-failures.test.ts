/**
 * The real Claude Code CLI through the router to OpenAI-compatible upstreams that misbehave as
 * real ones do, on the routes where the router translates Messages to chat completions (DESIGN
 * section 8): `openai/...` and `openrouter/...`. Claude Code reads Anthropic-shaped errors typed by
 * status, and a failure mid-stream from an `event: error` frame; when a stream fails it asks again
 * without `stream`, so both answers must work. For each misbehaviour: what Claude Code shows, that
 * it ends (no hang), that the provider's message reaches it (or at least the host's answer), that
 * no key shows anywhere (its output, the host's answers, telemetry, log and conversation records),
 * and that the turn ends as DESIGN sections 2, 3, 8, 9 and 10 say. Claude Code's own retries are off
 * (`CLAUDE_CODE_MAX_RETRIES=0`). Runs with the Claude Code suite only (`npm run test:claude-code`).
 */
import type { RequestEndEvent } from '../../lib';
import { afterToolText, agentFor, BASH_TOOL, TEXT_PROMPT, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT } from '../support/agent-upstreams';
import type { TappedAnswer } from '../support/answer-tap';
import type { FakeHandler } from '../support/fake-server';
import type { FakeUpstream } from '../support/fake-upstream';
import { KEYS } from '../support/keys';
import { parseAnthropicSse, type AnthropicFrame } from '../support/messages-stream';
import {
  closingFrames,
  emptyFrames,
  inStreamErrorFrames,
  OPENING_TEXT,
  openingFrames,
  REASONING_TEXT,
  reasoningThenTextFrames,
  cutJson,
  proxyBadGateway,
  refuseGzipped,
  refuseWith,
  streamGzipped,
  streamThenSilence,
  textFrames,
  toolCallFrames,
  wholeAnswer,
  WHOLE_TEXT,
  withLineEndings,
  type ProviderError,
} from '../support/misbehaving-upstreams';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useWatchedHost } from '../support/use-host';
import { waitUntil } from '../support/wait';
import { chatChunkFrame, DONE_FRAME, type ChunkIdentity } from '../support/wire-frames';
import { CLAUDE_TOKEN, claudeBinary, describeRun, IN_CLAUDE_CODE_SUITE, runClaude, type ClaudeRun } from './claude-code';

/** The host's idle timeout: short, so that a silent upstream fails the stream quickly. */
const IDLE_MS = 1000;

/** The call the tool scenarios make: Claude Code's `Bash` running `TOOL_COMMAND`. */
const BASH_CALL = {
  id: 'call_misbehaving_1',
  name: BASH_TOOL,
  arguments: JSON.stringify({ command: TOOL_COMMAND, description: 'Print a test line' }),
};

/** What the chunks of the tests' own chat streams share. */
const CHUNK: ChunkIdentity = { id: 'chatcmpl-parallel-1', created: 1795781041, model: 'upstream-model' };

/** A provider error before the stream, and the Anthropic type Claude Code must get for its status (DESIGN section 8). */
interface RefusalCase {
  error: ProviderError;
  anthropicType: string;
  /** What Claude Code shows: the provider's message, or its own words for the statuses it words itself. */
  claudeShows?: string;
}

const REFUSALS: RefusalCase[] = [
  {
    error: {
      status: 429,
      type: 'rate_limit_exceeded',
      message: 'Rate limit reached for requests per min: Limit 50, Used 50. Please try again in 7s.',
      headers: { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0', 'set-cookie': 'session=upstream', 'openai-organization': 'org-upstream' },
    },
    anthropicType: 'rate_limit_error',
  },
  {
    error: {
      status: 400,
      type: 'invalid_request_error',
      message: 'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
    },
    anthropicType: 'invalid_request_error',
  },
  { error: { status: 403, type: 'permission_denied', message: 'Project does not have access to model gpt-5.5.' }, anthropicType: 'permission_error' },
  {
    error: { status: 404, type: 'model_not_found', message: 'The model `gpt-5.5` does not exist or you do not have access to it.' },
    anthropicType: 'not_found_error',
    // Claude Code words a 404 as a model it cannot use.
    claudeShows: "There's an issue with the selected model",
  },
  {
    error: { status: 413, type: 'request_too_large', message: 'Request too large: the body exceeds the allowed size.' },
    anthropicType: 'request_too_large',
    // And a 413 as a file too large.
    claudeShows: 'Request too large',
  },
  { error: { status: 500, type: 'server_error', message: 'The server had an error while processing your request.' }, anthropicType: 'api_error' },
  { error: { status: 503, type: 'unavailable', message: 'The engine is currently overloaded, please try again later.' }, anthropicType: 'api_error' },
  { error: { status: 529, type: 'overloaded', message: 'Overloaded: the upstream is at capacity.' }, anthropicType: 'overloaded_error' },
];

if (!IN_CLAUDE_CODE_SUITE) {
  test.todo('runs in the Claude Code suite only: npm run test:claude-code');
} else {
  describe('Claude Code through the router to translated upstreams that misbehave', () => {
    const fakes = useFakes();
    const { host, observed, answers, expectNoKeys } = useWatchedHost(fakes, {
      env: { PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) },
      prepare: claudeBinary,
    });

    const ROUTES: Array<[string, () => FakeUpstream]> = [
      ['openai/gpt-5.5', () => fakes.openai],
      ['openrouter/openai/gpt-5.5', () => fakes.openrouter],
    ];

    /** The host's answers to `/messages`, in order. */
    const messagesAnswers = (): TappedAnswer[] => answers.filter((answer) => answer.path.split('?')[0]!.endsWith('/messages'));

    /** Runs Claude Code once on `model` (its own retries off unless `retries`), and checks what every run must: it ended, and no key shows anywhere. */
    async function claude(model: string, prompt = TEXT_PROMPT, retries = 0): Promise<ClaudeRun> {
      const run = await runClaude({
        baseUrl: host.url,
        model,
        prompt,
        token: CLAUDE_TOKEN,
        env: { CLAUDE_CODE_MAX_RETRIES: String(retries) },
        timeoutMs: 45_000,
      });
      if (run.timedOut) throw new Error(`Claude Code hung:\n${describeRun(run)}`);
      await observed.waitForEnds(messagesAnswers().length, 5000);
      expectNoKeys(run, Object.values(KEYS));
      return run;
    }

    function expectFailed(run: ClaudeRun, shows: string): void {
      if (run.result?.is_error !== true || !JSON.stringify(run.result).includes(shows)) {
        throw new Error(`expected a failed turn showing "${shows}":\n${describeRun(run)}`);
      }
    }

    function expectAnswer(run: ClaudeRun, text: string): void {
      if (run.exitCode !== 0 || run.result?.is_error !== false || run.result.result !== text) {
        throw new Error(`expected the answer "${text}":\n${describeRun(run)}`);
      }
    }

    /** Whether each request the fake got asked for a stream, in order. */
    const streamed = (fake: FakeUpstream): boolean[] => fake.requests.map((request) => request.body?.stream === true);

    /** The host's first Messages answer, a stream, read strictly (every frame with its `event:` line). */
    function hostStream(): AnthropicFrame[] {
      const answer = messagesAnswers()[0]!;
      expect(answer).toMatchObject({ status: 200, headers: { 'content-type': expect.stringContaining('text/event-stream') } });
      return parseAnthropicSse(answer.body);
    }

    /** The host's first stream ended with an `event: error` frame of `type` whose message holds `message`, and nothing after it. */
    function expectStreamError(message: string, type = expect.any(String) as unknown): void {
      const frames = hostStream();
      expect(frames.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type, message: expect.stringContaining(message) } } });
      expect(frames.filter((frame) => frame.event === 'message_stop')).toEqual([]);
    }

    /** Streams `frames` to a streamed request; answers the request without stream (Claude Code's second try) with `whole`. */
    const streamThen =
      (
        frames: (fake: FakeUpstream) => string[],
        fake: () => FakeUpstream,
        whole: FakeHandler = (_request, res) => sendJson(res, 200, wholeAnswer('chat')),
      ): FakeHandler =>
      (request, res, req) => {
        if (request.body?.stream !== true) return whole(request, res, req);
        sendFrames(res, frames(fake()));
        return true;
      };

    const lastEnd = (): RequestEndEvent | undefined => observed.ends().at(-1);

    describe('errors before the stream: Anthropic-shaped, typed by status, with the provider message (DESIGN sections 3, 8)', () => {
      for (const { error, anthropicType, claudeShows } of REFUSALS) {
        test.each(ROUTES)(
          `%s: ${error.status} reaches Claude Code as ${anthropicType}, with the provider's message in the host's answer`,
          async (model, fake) => {
            fake().handler = refuseWith(fake(), error);
            const run = await claude(model);
            expectFailed(run, claudeShows ?? error.message);
            const first = messagesAnswers()[0]!;
            expect(first.status).toBe(error.status);
            expect(JSON.parse(first.body)).toEqual({
              type: 'error',
              error: { type: anthropicType, message: expect.stringContaining(error.message) },
            });
            if (error.headers?.['retry-after']) {
              expect(first.headers).toMatchObject({ 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' });
              expect(Object.keys(first.headers)).not.toEqual(expect.arrayContaining(['set-cookie']));
              expect(JSON.stringify(first.headers)).not.toContain('org-upstream');
            }
            expect(lastEnd()).toMatchObject({ status: error.status, outcome: 'error' });
          },
        );
      }

      test.each(ROUTES)(
        '%s: a 401 whose message echoes the key reaches Claude Code as authentication_error, the key redacted',
        async (model, fake) => {
          const key = fake().kind === 'openai' ? KEYS.openai : KEYS.openrouter;
          fake().handler = refuseWith(fake(), {
            status: 401,
            type: 'invalid_api_key',
            message: `Incorrect API key provided: ${key}. Check your key.`,
          });
          const run = await claude(model);
          expect(run.result?.is_error).toBe(true);
          const first = messagesAnswers()[0]!;
          expect(first.status).toBe(401);
          expect(JSON.parse(first.body)).toEqual({
            type: 'error',
            error: { type: 'authentication_error', message: expect.stringContaining('Check your key.') },
          });
        },
      );

      test.each(ROUTES)(
        "%s: a gzip-compressed 429 (despite accept-encoding identity) reaches Claude Code decoded, with the provider's message",
        async (model, fake) => {
          const error = { status: 429, type: 'rate_limit_exceeded', message: 'You exceeded your current quota for tokens per minute.' };
          fake().handler = refuseGzipped(fake(), error);
          const run = await claude(model);
          expectFailed(run, error.message);
          expect(JSON.parse(messagesAnswers()[0]!.body)).toEqual({
            type: 'error',
            error: { type: 'rate_limit_error', message: expect.stringContaining(error.message) },
          });
        },
      );

      test.each(ROUTES)("%s: a proxy's HTML 502 page reaches Claude Code as a 502 api_error, Anthropic-shaped", async (model, fake) => {
        fake().handler = proxyBadGateway;
        const run = await claude(model);
        expectFailed(run, '502');
        const first = messagesAnswers()[0]!;
        expect(first.status).toBe(502);
        expect(JSON.parse(first.body)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String) } });
        expect(lastEnd()).toMatchObject({ status: 502, outcome: 'error' });
      });

      test.each(ROUTES)('%s: no answer within PROVIDER_TIMEOUT_MS reaches Claude Code as a 504 timeout_error', async (model, fake) => {
        fake().handler = () => true;
        const run = await claude(model);
        expectFailed(run, '504');
        const first = messagesAnswers()[0]!;
        expect(first.status).toBe(504);
        expect(JSON.parse(first.body)).toEqual({
          type: 'error',
          error: { type: 'timeout_error', message: expect.stringContaining('PROVIDER_TIMEOUT_MS') },
        });
      });

      test.each(ROUTES)(
        "%s: a 200 JSON answer that is only an error reaches Claude Code with its message and its code's status",
        async (model, fake) => {
          const message = 'No endpoints available for this model right now.';
          fake().handler = (_request, res) => sendJson(res, 200, { error: { code: 503, message } });
          const run = await claude(model);
          expectFailed(run, message);
          expect(messagesAnswers()[0]?.status).toBe(503);
          expect(lastEnd()).toMatchObject({ status: 503, outcome: 'error' });
        },
      );
    });

    describe('a full context, in the words Claude Code acts on (DESIGN section 8)', () => {
      /** A small model's context and the conversation's tokens: Claude Code's 32,000 to 64,000 max_tokens do not fit beside them. */
      const CONTEXT = 16384;
      const INPUT = 6000;

      test.each(ROUTES)(
        "%s: the provider's 400 for input plus max_tokens over the context reaches Claude Code in Anthropic's words; it asks again with a max_tokens that fits, and the answer arrives",
        async (model, fake) => {
          fake().handler = (request, res, req) => {
            const asked = Number(request.body?.max_completion_tokens ?? request.body?.max_tokens);
            if (asked + INPUT > CONTEXT) {
              sendJson(res, 400, {
                error: {
                  message: `This model's maximum context length is ${CONTEXT} tokens. However, you requested ${asked + INPUT} tokens (${INPUT} in the messages, ${asked} in the completion). Please reduce the length of the messages or completion.`,
                  type: 'invalid_request_error',
                  param: 'messages',
                  code: 'context_length_exceeded',
                },
              });
              return true;
            }
            return streamThen(() => textFrames('chat'), fake)(request, res, req);
          };
          // Claude Code asks again with a smaller max_tokens from inside its retries: leave it one.
          const run = await claude(model, TEXT_PROMPT, 1);
          expectAnswer(run, WHOLE_TEXT);
          const asked = fake().requests.map((request) => Number(request.body?.max_completion_tokens ?? request.body?.max_tokens));
          const refused = messagesAnswers().find((answer) => answer.status === 400);
          expect(refused).toBeDefined();
          const message = (JSON.parse(refused!.body) as { error: { type: string; message: string } }).error;
          expect(message.type).toBe('invalid_request_error');
          // The provider's message first, whole; then Anthropic's words for it.
          expect(message.message).toMatch(
            new RegExp(
              `^This model's maximum context length is ${CONTEXT} tokens\\. .* \\(input length and \`max_tokens\` exceed context limit: 6000 \\+ \\d+ > 16384\\)$`,
            ),
          );
          // The request asked again fits: at most what the context leaves beside the input.
          expect(asked.at(-1)).toBeLessThanOrEqual(CONTEXT - INPUT);
          expect(asked.some((tokens) => tokens + INPUT > CONTEXT)).toBe(true);
        },
      );
    });

    describe('failures inside the stream: an event: error frame, then the answer without stream (DESIGN sections 2, 8)', () => {
      test.each(ROUTES)('%s: a stream cut after some text ends with event: error; the answer without stream arrives', async (model, fake) => {
        fake().handler = streamThen((f) => openingFrames(f.kind === 'anthropic' ? 'messages' : 'chat'), fake);
        const run = await claude(model);
        expectAnswer(run, WHOLE_TEXT);
        expectStreamError('ended before');
        expect(streamed(fake())).toEqual([true, false]);
        expect(observed.ends()).toMatchObject([
          { stream: true, status: 200, outcome: 'error' },
          { stream: false, status: 200, outcome: 'ok' },
        ]);
      });

      test.each(ROUTES)('%s: a stream cut after its finish reason, before [DONE], ends with event: error', async (model, fake) => {
        fake().handler = streamThen(() => [...openingFrames('chat'), ...closingFrames('chat').slice(0, -1)], fake);
        const run = await claude(model);
        expectAnswer(run, WHOLE_TEXT);
        expectStreamError('ended before');
        expect(streamed(fake())).toEqual([true, false]);
      });

      test.each(ROUTES)(
        "%s: a stream cut inside a tool call's arguments ends with event: error, nothing runs; the answer without stream arrives",
        async (model, fake) => {
          fake().handler = streamThen(() => toolCallFrames('chat', BASH_CALL, { pieceLength: 6, cutAfterPieces: 2 }), fake);
          const run = await claude(model, TOOL_PROMPT);
          expectAnswer(run, WHOLE_TEXT);
          expect(run.toolResults).toEqual([]);
          expectStreamError('ended before');
          // The tool block is never stopped: Claude Code takes a tool's input as final at its stop.
          expect(hostStream().filter((frame) => ['content_block_stop', 'message_delta'].includes(frame.event))).toEqual([]);
        },
      );

      for (const beside of ['choices', 'alone'] as const) {
        test.each(ROUTES)(
          `%s: OpenRouter's in-stream error chunk (${beside === 'choices' ? 'beside choices' : 'without choices'}) ends with event: error; its message reaches Claude Code`,
          async (model, fake) => {
            const message = 'Provider returned error: upstream disconnected';
            // The request without stream fails as OpenRouter fails a whole answer: a 200 of nothing but its error.
            fake().handler = streamThen(
              () => inStreamErrorFrames('chat', message, beside),
              fake,
              (_request, res) => sendJson(res, 200, { error: { code: 502, message } }),
            );
            const run = await claude(model);
            expectFailed(run, message);
            expectStreamError(message);
            expect(streamed(fake())).toEqual([true, false]);
            expect(observed.ends()).toMatchObject([
              { stream: true, status: 200, outcome: 'error', error: { message: expect.stringContaining(message) } },
              { stream: false, status: 502, outcome: 'error' },
            ]);
          },
        );
      }

      for (const [code, type] of [
        [429, 'rate_limit_error'],
        [529, 'overloaded_error'],
      ] as const) {
        test.each(ROUTES)(`%s: an in-stream error with code ${code} ends with event: error typed ${type}`, async (model, fake) => {
          const message = `Provider returned error ${code}: try again later`;
          fake().handler = streamThen(
            () => inStreamErrorFrames('chat', message, 'choices', code),
            fake,
            (_request, res) => sendJson(res, 200, { error: { code, message } }),
          );
          const run = await claude(model);
          expectFailed(run, message);
          expectStreamError(message, type);
          expect(messagesAnswers()[1]).toMatchObject({ status: code });
        });
      }

      test.each(ROUTES)('%s: an in-stream error that echoes the key reaches Claude Code with the key redacted', async (model, fake) => {
        const key = fake().kind === 'openai' ? KEYS.openai : KEYS.openrouter;
        const message = `Upstream auth failed for key ${key} mid-generation`;
        fake().handler = streamThen(
          () => inStreamErrorFrames('chat', message, 'choices'),
          fake,
          (_request, res) => sendJson(res, 200, { error: { code: 502, message } }),
        );
        const run = await claude(model);
        expectFailed(run, 'mid-generation');
        expectStreamError('mid-generation');
      });

      test.each(ROUTES)('%s: a stream cut, then the answer without stream cut too: Claude Code shows an error, and ends', async (model, fake) => {
        fake().handler = streamThen(
          () => openingFrames('chat'),
          fake,
          (_request, res) => cutJson(res, wholeAnswer('chat')),
        );
        const run = await claude(model);
        expect(run.result?.is_error).toBe(true);
        expect(streamed(fake())).toEqual([true, false]);
        expect(messagesAnswers()[1]?.status).toBe(502);
        expect(JSON.parse(messagesAnswers()[1]!.body)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      });

      test.each(ROUTES)(
        "%s: OpenRouter's in-stream error as the stream's first chunk ends with event: error; its message reaches Claude Code",
        async (model, fake) => {
          const message = 'Overloaded before the first token';
          const frames = inStreamErrorFrames('chat', message, 'alone', 529).slice(openingFrames('chat').length);
          fake().handler = streamThen(
            () => frames,
            fake,
            (_request, res) => sendJson(res, 200, { error: { code: 529, message } }),
          );
          const run = await claude(model);
          expectFailed(run, message);
          expectStreamError(message, 'overloaded_error');
          // As Anthropic fails a stream before its first token: the error is the only frame.
          expect(hostStream()).toHaveLength(1);
        },
      );

      test.each(ROUTES)(
        '%s: silence past PROVIDER_IDLE_TIMEOUT_MS ends with event: error soon after; the answer without stream arrives',
        async (model, fake) => {
          fake().handler = (request, res) => {
            if (request.body?.stream !== true) return sendJson(res, 200, wholeAnswer('chat'));
            streamThenSilence(res, openingFrames('chat'));
          };
          const run = await claude(model);
          expectAnswer(run, WHOLE_TEXT);
          expectStreamError('PROVIDER_IDLE_TIMEOUT_MS');
          expect(run.durationMs).toBeLessThan(IDLE_MS + 15_000);
          expect(fake().closedRequests).toBe(1);
        },
      );

      test.each(ROUTES)(
        '%s: response headers, then silence past PROVIDER_IDLE_TIMEOUT_MS, ends with event: error; the answer without stream arrives',
        async (model, fake) => {
          fake().handler = (request, res) => {
            if (request.body?.stream !== true) return sendJson(res, 200, wholeAnswer('chat'));
            streamThenSilence(res, []);
          };
          const run = await claude(model);
          expectAnswer(run, WHOLE_TEXT);
          expectStreamError('PROVIDER_IDLE_TIMEOUT_MS');
        },
      );

      test.each(ROUTES)('%s: the first of two parallel calls whole, the stream cut inside the second: nothing runs', async (model, fake) => {
        const first = { id: 'call_first_1', name: BASH_TOOL, arguments: JSON.stringify({ command: 'echo first-ran', description: 'First' }) };
        fake().handler = streamThen(
          () => [
            chatChunkFrame(CHUNK, {
              role: 'assistant',
              content: null,
              tool_calls: [{ index: 0, id: first.id, type: 'function', function: { name: first.name, arguments: first.arguments } }],
            }),
            chatChunkFrame(CHUNK, {
              tool_calls: [{ index: 1, id: 'call_second_1', type: 'function', function: { name: BASH_TOOL, arguments: '{"comm' } }],
            }),
          ],
          fake,
        );
        const run = await claude(model, TOOL_PROMPT);
        expectAnswer(run, WHOLE_TEXT);
        expect(run.toolResults).toEqual([]);
        expectStreamError('ended before');
      });

      test.each(ROUTES)('%s: a stream cut, then a tool call answered without stream: the tool runs, and the answer follows', async (model, fake) => {
        const agent = agentFor(fake());
        fake().handler = (request, res, req) => {
          if (fake().requests.length > 1) return agent(request, res, req);
          sendFrames(res, openingFrames('chat'));
          return true;
        };
        const run = await claude(model, TOOL_PROMPT);
        expectAnswer(run, afterToolText(TOOL_OUTPUT));
        expect(run.toolResults).toMatchObject([{ is_error: false }]);
        expect(streamed(fake())).toEqual([true, false, true]);
      });

      test.each(ROUTES)('%s: a tool call whose name never arrives ends with event: error, nothing runs', async (model, fake) => {
        fake().handler = streamThen(() => toolCallFrames('chat', BASH_CALL, { pieceLength: 8, nameless: true }), fake);
        const run = await claude(model, TOOL_PROMPT);
        expectAnswer(run, WHOLE_TEXT);
        expect(run.toolResults).toEqual([]);
        expectStreamError('name');
      });

      test.each(ROUTES)(
        '%s: an empty stream (`data: [DONE]` alone) ends with event: error; the answer without stream arrives',
        async (model, fake) => {
          fake().handler = streamThen(() => emptyFrames('chat'), fake);
          const run = await claude(model);
          expectAnswer(run, WHOLE_TEXT);
          expectStreamError('without an answer');
        },
      );
    });

    describe('answers that are whole but unusual reach Claude Code whole, streamed', () => {
      test.each(ROUTES)('%s: a gzip-compressed stream despite accept-encoding identity is decoded', async (model, fake) => {
        fake().handler = (_request, res) => streamGzipped(res, textFrames('chat'));
        const run = await claude(model);
        expectAnswer(run, WHOLE_TEXT);
        expect(fake().requests.map((request) => request.headers['accept-encoding'])).toEqual(['identity']);
      });

      test.each(ROUTES)('%s: text, then `data: [DONE]` with no finish reason at all, ends the turn with the text (end_turn)', async (model, fake) => {
        fake().handler = (_request, res) => sendFrames(res, [...openingFrames('chat'), DONE_FRAME]);
        const run = await claude(model);
        expectAnswer(run, OPENING_TEXT);
        expect(hostStream().find((frame) => frame.event === 'message_delta')?.data).toMatchObject({ delta: { stop_reason: 'end_turn' } });
        expect(streamed(fake())).toEqual([true]);
      });

      test.each(ROUTES)('%s: a whole answer whose stream stays open after [DONE] ends the turn at once', async (model, fake) => {
        fake().handler = (_request, res) => streamThenSilence(res, textFrames('chat'));
        const run = await claude(model);
        expectAnswer(run, WHOLE_TEXT);
        expect(streamed(fake())).toEqual([true]);
        expect(observed.ends()).toMatchObject([{ outcome: 'ok' }]);
        // The router drains what may follow for as long as PROVIDER_IDLE_TIMEOUT_MS, then lets the connection go.
        await waitUntil(() => fake().closedRequests === 1, 3000, 'the upstream connection closed');
      });

      for (const [name, eol] of [
        ['CRLF', '\r\n'],
        ['lone CR', '\r'],
      ] as const) {
        test.each(ROUTES)(`%s: a stream with ${name} line endings is read whole`, async (model, fake) => {
          fake().handler = (_request, res) => sendFrames(res, withLineEndings(textFrames('chat'), eol));
          const run = await claude(model);
          expectAnswer(run, WHOLE_TEXT);
          expect(streamed(fake())).toEqual([true]);
          expect(hostStream().at(-1)?.event).toBe('message_stop');
        });
      }

      test.each(ROUTES)('%s: a tool call in many small pieces, its id and name last, runs, and the answer follows', async (model, fake) => {
        const agent = agentFor(fake());
        fake().handler = (request, res, req) => {
          if (fake().requests.length > 1) return agent(request, res, req);
          sendFrames(res, toolCallFrames('chat', BASH_CALL, { pieceLength: 3, identityLate: true }));
          return true;
        };
        const run = await claude(model, TOOL_PROMPT);
        expectAnswer(run, afterToolText(TOOL_OUTPUT));
        expect(run.toolResults).toMatchObject([{ tool_use_id: BASH_CALL.id, is_error: false }]);
        expect(streamed(fake())).toEqual([true, true]);
      });

      test.each(ROUTES)('%s: reasoning deltas then text: a thinking block, then the answer', async (model, fake) => {
        // OpenRouter writes its reasoning as `reasoning`; llama-server and DeepSeek as `reasoning_content`.
        fake().handler = (_request, res) =>
          sendFrames(res, reasoningThenTextFrames('chat', fake().kind === 'openrouter' ? 'reasoning' : 'reasoning_content'));
        const run = await claude(model);
        expectAnswer(run, WHOLE_TEXT);
        expect(run.assistantBlocks.filter((block) => block.type === 'thinking')).toMatchObject([{ thinking: REASONING_TEXT }]);
        expect(
          hostStream()
            .filter((frame) => frame.event === 'content_block_start')
            .map((frame) => (frame.data.content_block as { type: string }).type),
        ).toEqual(['thinking', 'text']);
      });

      test.each(ROUTES)('%s: an answer cut by the token limit ends with stop_reason max_tokens', async (model, fake) => {
        fake().handler = (_request, res) => sendFrames(res, textFrames('chat', 'length'));
        const run = await claude(model);
        expect(hostStream().find((frame) => frame.event === 'message_delta')?.data).toMatchObject({ delta: { stop_reason: 'max_tokens' } });
        expect(run.assistantBlocks).toContainEqual(expect.objectContaining({ type: 'text', text: WHOLE_TEXT }));
      });
    });
  });
}
