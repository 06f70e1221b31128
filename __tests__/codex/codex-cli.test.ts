/**
 * The real Codex CLI (0.171, pinned by `scripts/install-codex.sh`), headless (`codex exec --json`),
 * against fake upstreams on 127.0.0.1. Runs with the Codex suite only (`jest -c jest.codex.config.js`).
 *
 * - Straight to a fake OpenAI / OpenRouter Responses API, no router: proves the harness, and holds
 *   what Codex sends and needs to the recorded fixtures and to DESIGN.md section 11.
 * - With CODEX_THROUGH_ROUTER=1: the same two scenarios (a text answer; a tool round trip through
 *   `exec_command`) through an Express host with the router at /v1, for a model of each provider:
 *   OpenAI and OpenRouter natively, llama-server bridged through chat completions, Anthropic
 *   translated to Messages.
 *
 * CODEX_RECORD_FIXTURES=1 writes the requests Codex sent to `__tests__/fixtures/codex-live-*.json`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathOf, type RecordedRequest } from '../support/fake-server';
import { startFakeUpstreams, type FakeUpstream, type ProviderId } from '../support/fake-upstream';
import { fixtureJson, fixtureText, sseFrames } from '../support/fixtures';
import { envFor, startHost } from '../support/host';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { everythingSent } from '../support/recorded-requests';
import { RESPONSES_FIXTURE_TEXT, RESPONSES_FIXTURES } from '../support/responses-wire';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent, chatChunkFrame, dataFrame, messageStartFrame } from '../support/wire-frames';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { deferred, waitUntil, within } from '../support/wait';
import type { RequestEndEvent } from '../../lib';
import {
  AGENT_REASONING,
  afterToolText,
  agentFor,
  DESCRIBE_PROMPT,
  EXEC_TOOL,
  helloText,
  pictureText,
  TEXT_PROMPT,
  THINK_MARK,
  TOOL_COMMAND,
  TOOL_OUTPUT,
  TOOL_PROMPT,
} from '../support/agent-upstreams';
import { ANTHROPIC_AGENT_SIGNATURE } from '../support/messages-wire';
import { CODEX_VERSION, codexBinary, describeRun, runCodex, type CodexRun, type CodexRunOptions, IN_CODEX_SUITE, THROUGH_ROUTER } from './codex';

const RECORD = process.env.CODEX_RECORD_FIXTURES === '1';

/** The token Codex sends (its provider's env_key). */
const CODEX_TOKEN = 'codex-harness-token-0123456789';

type Json = Record<string, unknown>;
type Item = Json & { type?: string; role?: string };

/** Fails with the run's whole story unless Codex finished its turn: exit 0, no error event. */
function expectSuccess(run: CodexRun): void {
  if (run.exitCode !== 0 || run.errors.length > 0 || run.timedOut) throw new Error(`Codex failed:\n${describeRun(run)}`);
}

const inputOf = (request: RecordedRequest): Item[] => (request.body?.input ?? []) as Item[];
const toolNames = (tools: unknown): string[] => ((tools ?? []) as Item[]).map((tool) => String(tool.name ?? tool.type));
const shape = (items: Item[]): string[] => items.map((item) => `${item.type ?? 'message'}${item.role ? `:${item.role}` : ''}`);

function record(name: string, value: unknown): void {
  if (RECORD) writeFileSync(join(__dirname, '..', 'fixtures', name), `${JSON.stringify(value, null, 2)}\n`);
}

if (!IN_CODEX_SUITE) {
  test.todo('runs in the Codex suite only: bash scripts/install-codex.sh, then jest -c jest.codex.config.js');
} else {
  describe('the Codex CLI straight to a fake Responses API (no router)', () => {
    let openai: FakeUpstream;
    let openrouter: FakeUpstream;
    const fakeOf = (kind: 'openai' | 'openrouter'): FakeUpstream => (kind === 'openai' ? openai : openrouter);

    beforeAll(async () => {
      codexBinary();
      [openai, openrouter] = await startFakeUpstreams('openai', 'openrouter');
    });
    afterEach(() => [openai, openrouter].forEach((fake) => fake.reset()));
    afterAll(() => Promise.all([openai, openrouter].map((fake) => fake?.close())));

    test(`the pinned Codex CLI ${CODEX_VERSION} is installed`, () => {
      expect(execFileSync(codexBinary(), ['--version'], { encoding: 'utf8' }).trim()).toBe(`codex-cli ${CODEX_VERSION}`);
    });

    test.each(['openai', 'openrouter'] as const)('%s: a text answer; exit 0 and the final message', async (kind) => {
      const fake = fakeOf(kind);
      const run = await runCodex({ baseUrl: fake.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT, token: CODEX_TOKEN });
      expectSuccess(run);
      expect(run.finalMessage).toBe(RESPONSES_FIXTURE_TEXT);
      expect(run.commands).toEqual([]);
      expect(run.warnings).toEqual([]);
      expect(run.stdoutNoise).toEqual([]);
      expect(run.events.map((e) => e.type)).toEqual(['thread.started', 'turn.started', 'item.completed', 'turn.completed']);
      expect(run.events[3]).toMatchObject({
        usage: { input_tokens: 1204, cached_input_tokens: 1024, output_tokens: 38, reasoning_output_tokens: 22 },
      });

      // One POST {base_url}/responses per model turn, and nothing else (no GET /models).
      expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${kind === 'openai' ? '/v1' : '/api/v1'}/responses`]);
      const [request] = fake.requests as [RecordedRequest];
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${CODEX_TOKEN}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      });
      expect(request.headers['content-encoding']).toBeUndefined();
      expect(request.body).toMatchObject({ model: 'openai/gpt-5.5', stream: true, store: false, include: ['reasoning.encrypted_content'] });
      expect(request.body).not.toHaveProperty('instructions');
      expect(request.body).not.toHaveProperty('previous_response_id');
      expect(shape(inputOf(request))).toEqual(['message:developer', 'message:developer', 'message:user', 'message:user']);
      expect(inputOf(request)[3]).toMatchObject({ role: 'user', content: [{ type: 'input_text', text: TEXT_PROMPT }] });

      // As recorded in shared/fixtures/codex-request.json: the same fields and the same tools
      // (web_search only while Codex's web search is on, as it is by default).
      const recorded = fixtureJson('codex-request.json');
      expect(Object.keys(request.body!).sort()).toEqual(Object.keys(recorded).sort());
      expect(toolNames(request.body!.tools)).toEqual(toolNames(recorded.tools));
      expect(shape(inputOf(request))).toEqual(shape(recorded.input as Item[]));
      if (kind === 'openai') {
        record('codex-live-request.json', request.body);
        record('codex-live-request-headers.json', { ...request.headers, authorization: 'Bearer <env_key>' });
      }
    });

    test('a tool round trip: a function_call to exec_command runs, its output goes back, then the final text', async () => {
      const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TOOL_PROMPT, token: CODEX_TOKEN });
      expectSuccess(run);
      expect(run.commands).toEqual([
        { command: expect.stringContaining(TOOL_COMMAND) as string, output: `${TOOL_OUTPUT}\n`, exitCode: 0, status: 'completed' },
      ]);
      expect(run.finalMessage).toBe(RESPONSES_FIXTURE_TEXT);

      expect(openai.requests).toHaveLength(2);
      const [first, second] = openai.requests as [RecordedRequest, RecordedRequest];
      expect(inputOf(first)[inputOf(first).length - 1]).toMatchObject({ role: 'user', content: [{ type: 'input_text', text: TOOL_PROMPT }] });
      // The whole history again, the call echoed back as it came, then its output.
      expect(inputOf(second).slice(0, -2)).toEqual(inputOf(first));
      const [call, output] = inputOf(second).slice(-2) as [Item, Item];
      expect(call).toEqual({
        type: 'function_call',
        status: 'completed',
        id: 'fc_0c7b2d3e4f5a6b01',
        name: EXEC_TOOL,
        arguments: JSON.stringify({ cmd: TOOL_COMMAND }),
        call_id: 'call_Xy12Ab34Cd56',
      });
      expect(output).toMatchObject({
        type: 'function_call_output',
        call_id: 'call_Xy12Ab34Cd56',
        output: expect.stringContaining(`Output:\n${TOOL_OUTPUT}\n`) as string,
      });
      expect(Object.keys(output).sort()).toEqual(['call_id', 'id', 'output', 'type']);
      expect(second.body!.tools).toEqual(first.body!.tools);

      const recorded = fixtureJson('codex-request-tool-turn.json');
      expect(Object.keys(second.body!).sort()).toEqual(Object.keys(recorded).sort());
      expect(shape(inputOf(second))).toEqual(shape(recorded.input as Item[]));
      record('codex-live-request-tool-turn.json', second.body);
    });

    test('a model its catalog does not know: works, with the namespace tool and reasoning.summary as recorded', async () => {
      const run = await runCodex({ baseUrl: openai.baseUrl, model: 'anthropic/claude-sonnet-5-5', prompt: TEXT_PROMPT, token: CODEX_TOKEN });
      expectSuccess(run);
      expect(run.finalMessage).toBe(RESPONSES_FIXTURE_TEXT);
      expect(run.warnings).toEqual([expect.stringContaining('Model metadata for `anthropic/claude-sonnet-5-5` not found')]);
      const [request] = openai.requests as [RecordedRequest];
      const recorded = fixtureJson('codex-request-unlisted-model.json');
      expect(request.body).toMatchObject({ model: 'anthropic/claude-sonnet-5-5', reasoning: { summary: 'auto' } });
      expect(Object.keys(request.body!).sort()).toEqual(Object.keys(recorded).sort());
      expect(toolNames(request.body!.tools)).toEqual(toolNames(recorded.tools));
      expect(toolNames(request.body!.tools)).not.toContain('apply_patch');
      record('codex-live-request-unlisted-model.json', request.body);
    });

    test('the harness: a run that hangs is killed at its timeout, and says so', async () => {
      openai.handler = () => undefined; // never answers
      const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT, timeoutMs: 1500 });
      expect(run).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
      expect(run.durationMs).toBeLessThan(10_000);
      expect(describeRun(run)).toContain('after the timeout');
    });

    describe('what Codex needs of a stream (DESIGN.md section 11)', () => {
      const frames = sseFrames(RESPONSES_FIXTURES.text);

      test('response.failed: the turn fails (exit 1) with response.error.message', async () => {
        openai.handler = (_request, res) => sendFrames(res, sseFrames(RESPONSES_FIXTURES.failed));
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expect(run.exitCode).toBe(1);
        expect(run.errors.join('\n')).toContain('The model produced invalid content.');
      });

      test('a stream that ends without response.completed fails the turn, even after the message item arrived', async () => {
        openai.handler = (_request, res) => sendFrames(res, frames.slice(0, -1));
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expect(run.exitCode).toBe(1);
        expect(run.finalMessage).toBe(RESPONSES_FIXTURE_TEXT);
        expect(run.errors.join('\n')).toContain('stream closed before response.completed');
      });

      test('deltas alone show nothing: without response.output_item.done the turn "succeeds" with no message', async () => {
        openai.handler = (_request, res) =>
          sendFrames(
            res,
            frames.filter((frame) => !frame.startsWith('event: response.output_item.done\n')),
          );
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expect(run.exitCode).toBe(0);
        expect(run.finalMessage).toBeUndefined();
      });

      test('a JSON (non-streamed) answer is not a stream to Codex: the turn fails', async () => {
        openai.handler = (_request, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [] }));
        };
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expect(run.exitCode).toBe(1);
        expect(run.errors.join('\n')).toContain('stream closed before response.completed');
      });

      test('a 400 before the stream: the turn fails with the error body as its message, and is not retried', async () => {
        const body = { error: { message: "Unsupported parameter: 'x'.", type: 'invalid_request_error', param: 'x', code: 'unsupported_parameter' } };
        openai.handler = (_request, res) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expect(run.exitCode).toBe(1);
        expect(run.errors.join('\n')).toContain("Unsupported parameter: 'x'.");
        expect(openai.requests).toHaveLength(1);
      });

      test('frames without event: lines, without sequence_number, and a trailing [DONE] are all still read', async () => {
        const loose = frames.map((frame) => frame.replace(/^event: .*\n/, '').replace(/"sequence_number":\d+,/, ''));
        openai.handler = (_request, res) => sendFrames(res, [...loose, 'data: [DONE]\n\n']);
        const run = await runCodex({ baseUrl: openai.baseUrl, model: 'openai/gpt-5.5', prompt: TEXT_PROMPT });
        expectSuccess(run);
        expect(run.finalMessage).toBe(RESPONSES_FIXTURE_TEXT);
        expect(fixtureText(RESPONSES_FIXTURES.text)).not.toContain('[DONE]');
      });
    });
  });

  if (!THROUGH_ROUTER) {
    test.todo('through the router: set CODEX_THROUGH_ROUTER=1 (needs POST /responses in lib/)');
  } else {
    describe('the Codex CLI through the router (host at /v1)', () => {
      const fakes = useFakes();
      const host = useHost(fakes);

      interface Case {
        provider: ProviderId;
        model: string;
        upstreamModel: string;
        /** The path the fake upstream is asked on. */
        path: string;
        how: string;
      }
      const CASES: Case[] = [
        { provider: 'openai', model: 'openai/gpt-5.5', upstreamModel: 'gpt-5.5', path: '/v1/responses', how: 'native' },
        { provider: 'openrouter', model: 'openrouter/openai/gpt-5.5', upstreamModel: 'openai/gpt-5.5', path: '/api/v1/responses', how: 'native' },
        {
          provider: 'local',
          model: 'local/qwen2.5-0.5b-instruct-q4_k_m.gguf',
          upstreamModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
          path: '/v1/chat/completions',
          how: 'bridged through chat completions',
        },
        {
          provider: 'anthropic',
          model: 'anthropic/claude-sonnet-5-5',
          upstreamModel: 'claude-sonnet-5-5',
          path: '/v1/messages',
          how: 'translated to Messages',
        },
      ];

      const caseOf = (provider: ProviderId): Case => CASES.find((c) => c.provider === provider)!;

      async function run(c: Case, prompt: string, options: Partial<CodexRunOptions> = {}): Promise<{ run: CodexRun; sent: RecordedRequest[] }> {
        const fake = fakes[c.provider];
        fake.handler = agentFor(fake);
        const result = await runCodex({ baseUrl: `${host.url}/v1`, model: c.model, prompt, token: CLIENT_TOKEN, ...options });
        expectSuccess(result);
        // Only the provider's fake was asked, only on its path, with its own key and never the client's token.
        expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual(fake.requests.map(() => `POST ${c.path}`));
        const sentText = everythingSent(fakes.all());
        expect(sentText).not.toContain(CLIENT_TOKEN);
        if (c.provider !== 'local') expect(sentText).toContain(KEYS[c.provider]);
        for (const request of fake.requests) expect(request.body?.model).toBe(c.upstreamModel);
        return { run: result, sent: fake.requests };
      }

      describe.each(CASES)('$model ($how)', (c) => {
        test('a text answer', async () => {
          const { run: result, sent } = await run(c, TEXT_PROMPT);
          expect(result.finalMessage).toBe(helloText(c.provider));
          expect(result.commands).toEqual([]);
          expect(sent).toHaveLength(1);
        });

        test('a tool round trip through exec_command', async () => {
          const { run: result, sent } = await run(c, TOOL_PROMPT);
          expect(result.commands).toEqual([
            expect.objectContaining({ command: expect.stringContaining(TOOL_COMMAND) as string, exitCode: 0, output: `${TOOL_OUTPUT}\n` }),
          ]);
          // The upstream saw the tool's output (in its own dialect) and answered from it.
          expect(result.finalMessage).toBe(afterToolText(TOOL_OUTPUT));
          expect(sent).toHaveLength(2);
          expectToolTurn(c.provider, sent[1]!.body!);
        });
      });

      describe('a picture attached to the prompt (codex exec --image)', () => {
        // A 4x4 red PNG.
        const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==', 'base64');

        test.each(CASES)('$model: the picture reaches the model in its dialect, which answers from it', async (c) => {
          const dir = mkdtempSync(join(tmpdir(), 'codex-picture-'));
          try {
            const path = join(dir, 'picture.png');
            writeFileSync(path, PNG);
            const { run: result, sent } = await run(c, DESCRIBE_PROMPT, { images: [path] });
            expect(result.finalMessage).toBe(pictureText('image/png'));
            expect(JSON.stringify(sent[0]!.body)).toContain(PNG.toString('base64'));
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      });

      describe('reasoning: to Codex as reasoning items (with the envelope it asks for), and back as the provider needs it', () => {
        test("local (bridged): back to llama-server as the call turn's reasoning_content", async () => {
          const { run: result, sent } = await run(caseOf('local'), `${TOOL_PROMPT} ${THINK_MARK}`);
          expect(result.finalMessage).toBe(afterToolText(TOOL_OUTPUT));
          const messages = sent[1]!.body!.messages as Array<Item & { tool_calls?: unknown[]; reasoning_content?: string }>;
          expect(messages.find((m) => m.role === 'assistant' && m.tool_calls)?.reasoning_content).toBe(AGENT_REASONING);
        });

        test("anthropic with ANTHROPIC_THINKING=budget: Anthropic's signed thinking goes back exactly, inside the router's envelope", async () => {
          const budgetHost = await startHost({ env: { ...envFor(fakes), ANTHROPIC_THINKING: 'budget' } });
          try {
            fakes.anthropic.handler = agentFor(fakes.anthropic);
            const result = await runCodex({
              baseUrl: `${budgetHost.url}/v1`,
              model: caseOf('anthropic').model,
              prompt: TOOL_PROMPT,
              token: CLIENT_TOKEN,
              // Codex asks for no effort for a model it does not know, unless told to.
              extraConfig: 'model_reasoning_effort = "high"',
            });
            expectSuccess(result);
            expect(result.finalMessage).toBe(afterToolText(TOOL_OUTPUT));
            const [first, second] = fakes.anthropic.requests as [RecordedRequest, RecordedRequest];
            expect(first.body!.thinking).toMatchObject({ type: 'enabled' });
            // The fake refuses a tool loop whose thinking is missing or not signed by it; this one passed.
            const messages = second.body!.messages as Array<{ role: string; content: Item[] | string }>;
            expect((messages[messages.length - 2]!.content as Item[])[0]).toEqual({
              type: 'thinking',
              thinking: AGENT_REASONING,
              signature: ANTHROPIC_AGENT_SIGNATURE,
            });
          } finally {
            await budgetHost.close();
          }
        });
      });

      describe('codex exec --output-schema (the final message in a JSON Schema)', () => {
        const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };

        test.each(['local', 'anthropic'] as const)('%s: the schema reaches the provider as its structured output', async (provider) => {
          const dir = mkdtempSync(join(tmpdir(), 'codex-schema-'));
          try {
            const path = join(dir, 'schema.json');
            writeFileSync(path, JSON.stringify(SCHEMA));
            const { run: result, sent } = await run(caseOf(provider), TEXT_PROMPT, { outputSchema: path });
            expect(result.finalMessage).toBe(helloText(provider));
            if (provider === 'local') {
              expect(sent[0]!.body!.response_format).toEqual({
                type: 'json_schema',
                json_schema: { name: 'codex_output_schema', schema: SCHEMA, strict: true },
              });
            } else {
              expect(sent[0]!.body!.output_config).toMatchObject({ format: { type: 'json_schema', schema: SCHEMA } });
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      });

      describe('token usage, as Codex counts it', () => {
        test("anthropic (translated): the prompt's cache reads and writes reach Codex's turn.completed", async () => {
          const usage = { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 };
          fakes.anthropic.handler = (_request, res) =>
            sendFrames(res, [
              anthropicEvent('message_start', {
                message: {
                  id: 'msg_cached',
                  type: 'message',
                  role: 'assistant',
                  model: 'm',
                  content: [],
                  stop_reason: null,
                  usage: { ...usage, output_tokens: 1 },
                },
              }),
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi.' } }),
              anthropicEvent('content_block_stop', { index: 0 }),
              anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { ...usage, output_tokens: 5 } }),
              anthropicEvent('message_stop'),
            ]);
          const result = await runCodex({ baseUrl: `${host.url}/v1`, model: caseOf('anthropic').model, prompt: TEXT_PROMPT, token: CLIENT_TOKEN });
          expectSuccess(result);
          // Codex reads cache writes from `input_tokens_details.cache_write_tokens`.
          expect(result.events.find((e) => e.type === 'turn.completed')).toMatchObject({
            usage: { input_tokens: 1060, cached_input_tokens: 1000, cache_write_input_tokens: 50, output_tokens: 5 },
          });
        });
      });

      describe('failures, as Codex shows them', () => {
        const codexRun = (provider: ProviderId): Promise<CodexRun> =>
          runCodex({ baseUrl: `${host.url}/v1`, model: caseOf(provider).model, prompt: TEXT_PROMPT, token: CLIENT_TOKEN });
        const identity = { id: 'chatcmpl-fail', created: 1, model: 'qwen' };

        test.each([
          [
            'local',
            'exceed_context_size_error',
            { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' } },
          ],
          [
            'anthropic',
            'prompt is too long',
            { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } },
          ],
          // Anthropic's other wording: the prompt fits, but not with the max_tokens the router asks for beside it.
          [
            'anthropic',
            'exceed context limit',
            {
              type: 'error',
              error: {
                type: 'invalid_request_error',
                message:
                  'input length and `max_tokens` exceed context limit: 197227 + 4096 > 200000, decrease input length or `max_tokens` and try again',
              },
            },
          ],
        ] as const)(
          '%s: a context-length 400 before the stream (%s) reaches Codex as a full context window',
          async (provider, _wording, errorBody) => {
            fakes[provider].handler = (_request, res) => sendJson(res, 400, errorBody);
            const run = await codexRun(provider);
            expect(run.exitCode).toBe(1);
            // Codex's own words for context_length_exceeded: it tells the user what to do.
            expect(run.errors.join('\n')).toContain("ran out of room in the model's context window");
            expect(fakes[provider].requests).toHaveLength(1);
          },
        );

        test('local: another 400 before the stream fails the turn with the provider message', async () => {
          const errorBody = { error: { code: 400, message: 'Invalid tool schema for exec_command', type: 'invalid_request_error' } };
          fakes.local.handler = (_request, res) => sendJson(res, 400, errorBody);
          const run = await codexRun('local');
          expect(run.exitCode).toBe(1);
          expect(run.errors.join('\n')).toContain(errorBody.error.message);
        });

        test('local: an error in the middle of the chat stream fails the turn (response.failed) with its message', async () => {
          fakes.local.handler = (_request, res) =>
            sendFrames(res, [
              chatChunkFrame(identity, { role: 'assistant', content: 'Hel' }),
              dataFrame({ error: { code: 500, message: 'llama-server ran out of KV cache', type: 'server_error' } }),
            ]);
          const run = await codexRun('local');
          expect(run.exitCode).toBe(1);
          expect(run.errors.join('\n')).toContain('llama-server ran out of KV cache');
        });

        test.each([
          // Codex's own words for rate_limit_exceeded and context_length_exceeded.
          [{ code: 429, message: 'Rate limit reached for qwen: try again in 20s' }, 'rate limit exceeded: Rate limit reached for qwen'],
          [{ code: 400, message: "This model's maximum context length is 8192 tokens" }, "ran out of room in the model's context window"],
        ])('local: a provider error %j mid-stream reaches Codex as the failure it knows', async (error, shown) => {
          fakes.local.handler = (_request, res) =>
            sendFrames(res, [chatChunkFrame(identity, { role: 'assistant', content: 'Hel' }), dataFrame({ error })]);
          const run = await codexRun('local');
          expect(run.exitCode).toBe(1);
          expect(run.errors.join('\n')).toContain(shown);
        });

        test('anthropic: an overloaded error event mid-stream fails the turn with its message', async () => {
          fakes.anthropic.handler = (_request, res) =>
            sendFrames(res, [messageStartFrame('msg_f'), anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]);
          const run = await codexRun('anthropic');
          expect(run.exitCode).toBe(1);
          expect(run.errors.join('\n')).toContain('Overloaded');
        });

        test.each(['local', 'openai'] as const)('%s: a stream cut off mid-answer fails the turn; nothing is shown as complete', async (provider) => {
          fakes[provider].handler = (_request, res) => {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write(
              provider === 'local'
                ? chatChunkFrame(identity, { role: 'assistant', content: 'Hel' })
                : sseFrames(RESPONSES_FIXTURES.text).slice(0, 3).join(''),
            );
            setTimeout(() => res.destroy(), 50);
          };
          const run = await codexRun(provider);
          expect(run.exitCode).toBe(1);
          expect(run.errors.length).toBeGreaterThan(0);
          expect(run.finalMessage).toBeUndefined();
        });

        test.each(['local', 'anthropic'] as const)(
          '%s: Codex killed mid-answer; the upstream request is aborted at once, and request.end says aborted',
          async (provider) => {
            const stop = new AbortController();
            const upstreamClosed = deferred();
            const ends: RequestEndEvent[] = [];
            const listener = (event: RequestEndEvent): number => ends.push(event);
            host.router.telemetry.on('request.end', listener);
            fakes[provider].handler = (_request, res) => {
              res.writeHead(200, { 'content-type': 'text/event-stream' });
              res.write(
                provider === 'local' ? chatChunkFrame(identity, { role: 'assistant', content: 'Thinking about it' }) : messageStartFrame('msg_held'),
              );
              res.on('close', () => upstreamClosed.resolve());
              setTimeout(() => stop.abort(), 300);
            };
            try {
              const run = await runCodex({
                baseUrl: `${host.url}/v1`,
                model: caseOf(provider).model,
                prompt: TEXT_PROMPT,
                token: CLIENT_TOKEN,
                abort: stop.signal,
              });
              expect(run.signal).toBe('SIGKILL');
              await within(upstreamClosed.promise, 2000, 'the upstream request closed after Codex was killed');
              await waitUntil(() => ends.length === 1, 2000, 'request.end');
              expect(ends[0]).toMatchObject({ provider, outcome: 'aborted', endpoint: 'responses' });
            } finally {
              host.router.telemetry.off('request.end', listener);
            }
          },
        );

        test("the router's timeout fails the turn with a message naming the provider", async () => {
          fakes.anthropic.handler = () => undefined; // never answers
          const run = await codexRun('anthropic');
          expect(run.exitCode).toBe(1);
          expect(run.errors.join('\n')).toContain('Provider "anthropic" sent no response within 2000 ms (PROVIDER_TIMEOUT_MS)');
        });
      });

      /** The second upstream request carries the call and its output, paired, in the provider's dialect. */
      function expectToolTurn(provider: ProviderId, body: Json): void {
        const args = { cmd: TOOL_COMMAND };
        if (provider === 'openai' || provider === 'openrouter') {
          // Native: the body goes on untouched apart from `model`.
          const input = body.input as Item[];
          const [call, output] = input.slice(-2) as [Item, Item];
          expect(call).toMatchObject({ type: 'function_call', name: EXEC_TOOL, call_id: 'call_Xy12Ab34Cd56' });
          expect(JSON.parse(String(call.arguments))).toEqual(args);
          expect(output).toMatchObject({ type: 'function_call_output', call_id: call.call_id });
          expect(String(output.output)).toContain(TOOL_OUTPUT);
          expect(body).toMatchObject({ stream: true, store: false, include: ['reasoning.encrypted_content'] });
          expect(body).toHaveProperty('prompt_cache_key');
          // Hosted tools too: nothing is taken out on the native route.
          expect(toolNames(body.tools)).toEqual(expect.arrayContaining([EXEC_TOOL, 'web_search']));
        } else if (provider === 'local') {
          const messages = body.messages as Array<Item & { tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }>;
          expect(messages[0]!.role).toBe('system');
          const assistant = messages.find((m) => m.role === 'assistant' && m.tool_calls)!;
          expect(assistant.tool_calls).toEqual([
            expect.objectContaining({ id: expect.any(String) as string, type: 'function', function: expect.objectContaining({ name: EXEC_TOOL }) }),
          ]);
          expect(JSON.parse(assistant.tool_calls![0]!.function.arguments)).toEqual(args);
          const tool = messages[messages.length - 1]!;
          // Paired by id (the router may keep the upstream's call id as Codex's call_id, or map it).
          expect(tool).toMatchObject({ role: 'tool', tool_call_id: assistant.tool_calls![0]!.id });
          expect(JSON.stringify(tool.content)).toContain(TOOL_OUTPUT);
          const tools = body.tools as Array<{ type: string; function: { name: string } }>;
          expect(tools.every((t) => t.type === 'function')).toBe(true);
          const names = tools.map((t) => t.function.name);
          expect(names).toContain(EXEC_TOOL);
          // Hosted tools are left out; Codex's namespace tool (it sends one for models it does not know) is flattened.
          expect(names).not.toContain('web_search');
          expect(names.some((name) => name.startsWith('multi_agent_v1__'))).toBe(true);
        } else {
          expect(body.system).toBeDefined();
          const messages = body.messages as Array<{ role: string; content: Item[] | string }>;
          const assistant = messages[messages.length - 2]!;
          const user = messages[messages.length - 1]!;
          expect(assistant.role).toBe('assistant');
          const use = (assistant.content as Item[]).find((block) => block.type === 'tool_use')!;
          expect(use).toMatchObject({ id: expect.any(String) as string, name: EXEC_TOOL, input: args });
          expect(user.role).toBe('user');
          const result = (user.content as Item[]).find((block) => block.type === 'tool_result')!;
          expect(result).toMatchObject({ tool_use_id: use.id });
          expect(JSON.stringify(result.content)).toContain(TOOL_OUTPUT);
          const names = (body.tools as Array<{ name: string }>).map((t) => t.name);
          expect(names).toContain(EXEC_TOOL);
          expect(names).not.toContain('web_search');
          expect(names.some((name) => name.startsWith('multi_agent_v1__'))).toBe(true);
        }
      }
    });
  }
}
