/**
 * The real Claude Code CLI (pinned by `scripts/install-claude-code.sh`) through a host with the
 * router, against Messages passthrough upstreams that misbehave: llama-server failing mid-stream
 * with its error in its own (OpenAI) shape, Anthropic's overloaded_error mid-stream, and Anthropic
 * keeping a stream open with nothing but pings for longer than `PROVIDER_IDLE_TIMEOUT_MS`. Runs
 * with the Claude Code suite only (`npm run test:claude-code`). DESIGN.md sections 2, 8 and 9.
 */
import { agentFor, helloText, TEXT_PROMPT } from '../support/agent-upstreams';
import { sseFrames } from '../support/fixtures';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { sleep } from '../support/wait';
import { CLAUDE_TOKEN, claudeBinary, expectSuccess, IN_CLAUDE_CODE_SUITE, runClaude } from './claude-code';

/** The host's idle timeout: short, so that a run outlasts it on pings alone. */
const IDLE_MS = 1500;

if (!IN_CLAUDE_CODE_SUITE) {
  test.todo('runs in the Claude Code suite only: npm run test:claude-code');
} else {
  const fakes = useFakes();
  const host = useHost(fakes, { env: { PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) }, prepare: claudeBinary });
  const { ends } = host;
  beforeEach(() => {
    ends.length = 0;
  });

  test("llama-server's error frame mid-stream, in its own shape, reaches Claude Code with its message (and so does its error on the retry without stream)", async () => {
    const message = 'the request exceeds the available context size, try increasing it';
    const fields = { code: 400, message, type: 'exceed_context_size_error' };
    fakes.local.handler = (request, res) => {
      // As llama-server answers: `event: error` with its error fields mid-stream, its OpenAI-shaped
      // error body to the request Claude Code repeats without stream.
      if (request.body?.stream !== true) sendJson(res, 400, { error: fields });
      else sendFrames(res, [...sseFrames('anthropic-messages-stream-text.sse').slice(0, 4), `event: error\ndata: ${JSON.stringify(fields)}\n\n`]);
    };
    const run = await runClaude({
      baseUrl: host.url,
      model: 'local/qwen',
      prompt: TEXT_PROMPT,
      token: CLAUDE_TOKEN,
      env: { CLAUDE_CODE_MAX_RETRIES: '0' },
    });
    expect(run.result).toMatchObject({ is_error: true });
    expect(JSON.stringify(run.result)).toContain(message);
    expect(JSON.stringify(run.result)).not.toContain('exceed_context_size_error');
    expect(fakes.local.requests.map((request) => request.body?.stream === true)).toEqual([true, false]);
    expect(ends).toMatchObject([
      { provider: 'local', stream: true, status: 200, outcome: 'error', error: { message } },
      { provider: 'local', stream: false, status: 400, outcome: 'error', error: { message } },
    ]);
  });

  test("Anthropic's overloaded_error after the first delta: Claude Code reads it, asks again, and the answer arrives", async () => {
    const agent = agentFor(fakes.anthropic);
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    fakes.anthropic.handler = (request, res, req) => {
      if (fakes.anthropic.requests.length > 1) return agent(request, res, req);
      sendFrames(res, [...sseFrames('anthropic-messages-stream-text.sse').slice(0, 4), `event: error\ndata: ${JSON.stringify(overloaded)}\n\n`]);
      return true;
    };
    const run = await runClaude({ baseUrl: host.url, model: 'anthropic/claude-sonnet-4-5', prompt: TEXT_PROMPT, token: CLAUDE_TOKEN });
    expectSuccess(run);
    expect(run.result?.result).toBe(helloText('anthropic'));
    expect(fakes.anthropic.requests.length).toBeGreaterThanOrEqual(2);
    expect(ends[0]).toMatchObject({
      provider: 'anthropic',
      status: 200,
      outcome: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect(ends.at(-1)).toMatchObject({ provider: 'anthropic', outcome: 'ok' });
  });

  test('Anthropic keeping the stream alive with pings alone for longer than PROVIDER_IDLE_TIMEOUT_MS: the answer arrives, uncut', async () => {
    const agent = agentFor(fakes.anthropic);
    fakes.anthropic.handler = (request, res, req) => {
      if (request.body?.stream !== true) return agent(request, res, req);
      // The agent's own answer, written into a recorder so that pings can go before it.
      const chunks: string[] = [];
      const recorder = Object.assign(Object.create(res) as typeof res, {
        writeHead: () => recorder,
        write: (chunk: string | Buffer) => chunks.push(String(chunk)) > 0,
        end: (chunk?: string | Buffer) => {
          if (chunk !== undefined) chunks.push(String(chunk));
          return recorder;
        },
      });
      agent(request, recorder, req);
      const [start, ...rest] = chunks.join('').split(/(?<=\n\n)/);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(start);
      void (async () => {
        for (let elapsed = 0; elapsed < 2 * IDLE_MS; elapsed += IDLE_MS / 3) {
          await sleep(IDLE_MS / 3);
          if (res.destroyed) return;
          res.write('event: ping\ndata: {"type": "ping"}\n\n');
        }
        res.end(rest.join(''));
      })();
      return true;
    };
    const run = await runClaude({ baseUrl: host.url, model: 'anthropic/claude-sonnet-4-5', prompt: TEXT_PROMPT, token: CLAUDE_TOKEN });
    expectSuccess(run);
    expect(run.result?.result).toBe(helloText('anthropic'));
    expect(fakes.anthropic.requests.map((request) => request.body?.stream === true)).toEqual([true]);
    expect(ends).toMatchObject([{ provider: 'anthropic', outcome: 'ok' }]);
  });
}
