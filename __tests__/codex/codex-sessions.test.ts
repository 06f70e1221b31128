/**
 * The real Codex CLI over a longer session through the router (CODEX_THROUGH_ROUTER=1), as a
 * developer uses it: turns resumed with `codex exec resume --last`, a session moved from one
 * provider to another, OpenRouter's models bridged through chat completions (`OPENROUTER_RESPONSES=chat`)
 * in their tool loops, auto-compaction, Codex's retries of a rate-limited request, and Codex killed
 * mid-answer; with what the upstream got, `request.end` and the conversation log checked each time.
 */
import { rmSync } from 'node:fs';
import type { RecordedRequest } from '../support/fake-server';
import type { ProviderId } from '../support/fake-upstream';
import { CLIENT_TOKEN } from '../support/keys';
import {
  DEEPSEEK_V4,
  GEMINI_3,
  GPT_5_5,
  KIMI_K2,
  openRouterModelAgent,
  type DetailPlacement,
  type OpenRouterModel,
} from '../support/openrouter-models';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { waitUntil } from '../support/wait';
import { chatChunkFrame, dataFrame, messageStartFrame, anthropicEvent } from '../support/wire-frames';
import { AGENT_REASONING, agentFor, afterToolText, helloText, TEXT_PROMPT, THINK_MARK, TOOL_OUTPUT, TOOL_PROMPT } from '../support/agent-upstreams';
import {
  describeRun,
  newCodexSession,
  runCodex,
  type CodexRun,
  type CodexRunOptions,
  type CodexSession,
  IN_CODEX_SUITE,
  THROUGH_ROUTER,
} from './codex';

type Json = Record<string, unknown>;

/** Fails with the run's whole story unless Codex finished its turn: exit 0, and no error event other than those `allowed`. */
function expectSuccess(run: CodexRun, allowed: RegExp = /^$/): void {
  if (run.exitCode !== 0 || run.errors.some((error) => !allowed.test(error)) || run.timedOut) throw new Error(`Codex failed:\n${describeRun(run)}`);
}

/** A model of each provider; OpenRouter's is bridged through chat completions on this host. */
const MODELS: Record<ProviderId, string> = {
  local: 'local/qwen2.5-coder',
  anthropic: 'anthropic/claude-sonnet-5-5',
  openrouter: 'openrouter/deepseek/deepseek-r1',
  openai: 'openai/gpt-5.5',
};
const PROVIDERS = Object.keys(MODELS) as ProviderId[];

/** The conversation a request carries, as text: chat and Messages `messages`, Responses `input`. */
const conversationOf = (request: RecordedRequest): string => JSON.stringify(request.body?.messages ?? request.body?.input);

if (!IN_CODEX_SUITE) {
  test.todo('runs in the Codex suite only: bash scripts/install-codex.sh, then jest -c jest.codex.config.js');
} else if (!THROUGH_ROUTER) {
  test.todo('through the router: set CODEX_THROUGH_ROUTER=1');
} else {
  describe('the Codex CLI over a longer session through the router', () => {
    const fakes = useFakes();
    let session: CodexSession;
    const records: Json[] = [];
    const host = useHost(fakes, {
      env: { OPENROUTER_RESPONSES: 'chat' },
      router: { conversationLogger: { info: (_message: string, record: Json) => void records.push(record) } },
    });
    const { ends } = host;
    beforeEach(() => {
      session = newCodexSession();
      ends.length = 0;
      records.length = 0;
    });
    afterEach(() => rmSync(session.root, { recursive: true, force: true }));

    /** One turn of the session: the first, or (`resume`) the next of the last conversation. */
    async function turn(model: string, prompt: string, options: Partial<CodexRunOptions> = {}): Promise<CodexRun> {
      return runCodex({
        baseUrl: `${host.url}/v1`,
        model,
        prompt,
        token: CLIENT_TOKEN,
        session,
        extraConfig: 'model_reasoning_effort = "high"',
        ...options,
      });
    }

    test.each(PROVIDERS)(
      '%s: three turns resumed with `codex exec resume --last`, each sending the whole conversation, reasoning and tool outputs included',
      async (provider) => {
        const fake = fakes[provider];
        fake.handler = agentFor(fake);
        const runs = [await turn(MODELS[provider], `${TOOL_PROMPT} ${THINK_MARK}`)];
        runs.push(await turn(MODELS[provider], TEXT_PROMPT, { resume: true }));
        runs.push(await turn(MODELS[provider], TOOL_PROMPT, { resume: true }));
        runs.forEach((run) => expectSuccess(run));
        expect(runs.map((run) => run.finalMessage)).toEqual([afterToolText(TOOL_OUTPUT), helloText(provider), afterToolText(TOOL_OUTPUT)]);
        // Two requests for each tool turn, one for the text turn: every one answered, none refused.
        expect(fake.requests).toHaveLength(5);
        expect(ends.map((end) => `${end.outcome} ${end.status}`)).toEqual(Array(5).fill('ok 200'));
        const last = conversationOf(fake.requests[4]!);
        for (const said of [TOOL_PROMPT, `${TOOL_OUTPUT}\n`, afterToolText(TOOL_OUTPUT), TEXT_PROMPT, helloText(provider)])
          expect(last).toContain(JSON.stringify(said).slice(1, -1));
        // The first turn's reasoning goes back as the provider needs it (OpenAI's own items, as Codex keeps them).
        if (provider !== 'openai') expect(last).toContain(AGENT_REASONING);
      },
    );

    const PAIRS = PROVIDERS.flatMap((from) => PROVIDERS.filter((to) => to !== from).map((to) => [from, to] as const));
    test.each(PAIRS)('a session moved from %s to %s: the resumed tool loop is sent whole and taken', async (from, to) => {
      for (const provider of [from, to]) fakes[provider].handler = agentFor(fakes[provider]);
      expectSuccess(await turn(MODELS[from], `${TOOL_PROMPT} ${THINK_MARK}`));
      const moved = await turn(MODELS[to], TOOL_PROMPT, { resume: true });
      expectSuccess(moved);
      expect(moved.finalMessage).toBe(afterToolText(TOOL_OUTPUT));
      const sent = fakes[to].requests;
      expect(sent).toHaveLength(2);
      expect(conversationOf(sent[0]!)).toContain(afterToolText(TOOL_OUTPUT));
      // Nothing of the router's own (its envelope, its signatures) reaches a provider that did not make it.
      if (to === 'openai' || to === 'openrouter') expect(conversationOf(sent[0]!)).not.toContain('epr1.');
    });

    describe("OpenRouter's models bridged through chat completions, each keeping its provider's rules over resumed turns", () => {
      const CASES: [string, OpenRouterModel, DetailPlacement][] = [
        ['Gemini 3, its thought signature with the call', GEMINI_3, 'with-answer'],
        ['Gemini 3, its thought signature in a chunk after the call', GEMINI_3, 'after-answer'],
        ['DeepSeek in thinking mode', DEEPSEEK_V4, 'with-answer'],
        ['Kimi, its calls numbered functions.exec_command:0 in every answer', KIMI_K2, 'with-answer'],
        ['OpenAI, its encrypted reasoning in a chunk after the call', GPT_5_5, 'after-answer'],
      ];
      test.each(CASES)('%s', async (_name, model, placement) => {
        fakes.openrouter.handler = openRouterModelAgent(model, { placement });
        const runs = [await turn(`openrouter/${model.id}`, TOOL_PROMPT), await turn(`openrouter/${model.id}`, TOOL_PROMPT, { resume: true })];
        runs.forEach((run) => expectSuccess(run));
        expect(runs.map((run) => run.finalMessage)).toEqual([afterToolText(TOOL_OUTPUT), afterToolText(TOOL_OUTPUT)]);
        expect(ends.map((end) => `${end.outcome} ${end.status}`)).toEqual(Array(4).fill('ok 200'));
        // The model's reasoning goes back with its calls exactly as it came.
        const messages = fakes.openrouter.requests[3]!.body!.messages as Array<Json & { tool_calls?: unknown[] }>;
        const callers = messages.filter((message) => message.role === 'assistant' && message.tool_calls);
        expect(callers).toHaveLength(2);
        for (const caller of callers) {
          if (model.reasoning === undefined) expect(caller.reasoning_content).toBeUndefined();
          else expect(caller.reasoning_content).toBe(model.reasoning);
        }
      });
    });

    test.each(PROVIDERS)(
      "%s: auto-compaction (Codex's own, an ordinary request) runs through the router, and the session goes on",
      async (provider) => {
        fakes[provider].handler = agentFor(fakes[provider]);
        const compacting = { extraConfig: 'model_auto_compact_token_limit = 100\nmodel_context_window = 1000' };
        const first = await turn(MODELS[provider], TOOL_PROMPT, compacting);
        const second = await turn(MODELS[provider], TOOL_PROMPT, { ...compacting, resume: true });
        expectSuccess(first);
        expectSuccess(second);
        const sent = fakes[provider].requests;
        // Codex compacts between the turns' requests: more requests than turns, each answered.
        expect(sent.length).toBeGreaterThan(4);
        expect(ends.every((end) => end.outcome === 'ok' && end.status === 200)).toBe(true);
        expect(sent.filter((request) => /summar|handoff|compact/i.test(conversationOf(request)))).not.toHaveLength(0);
      },
    );

    test.each([
      ['local', { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' } }],
      ['anthropic', { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }],
    ] as const)(
      "%s: a full context window fails the turn in Codex's words; the next turn compacts first and goes on",
      async (provider, errorBody) => {
        const agent = agentFor(fakes[provider]);
        fakes[provider].handler = (request, res, req) => {
          if (fakes[provider].requests.length !== 3) return agent(request, res, req);
          sendJson(res, 400, errorBody);
          return true;
        };
        expectSuccess(await turn(MODELS[provider], TOOL_PROMPT));
        const full = await turn(MODELS[provider], TEXT_PROMPT, { resume: true });
        expect(full.exitCode).toBe(1);
        expect(full.errors.join('\n')).toContain("ran out of room in the model's context window");
        const next = await turn(MODELS[provider], TEXT_PROMPT, { resume: true });
        expectSuccess(next);
        expect(next.finalMessage).toBe(helloText(provider));
        const sent = fakes[provider].requests;
        expect(sent).toHaveLength(5);
        // Codex's compaction: an ordinary request, smaller than the one that did not fit.
        expect(conversationOf(sent[3]!)).toMatch(/summar|handoff|compact/i);
        expect(JSON.stringify(sent[3]!.body).length).toBeLessThan(JSON.stringify(sent[2]!.body).length);
        expect(ends.map((end) => `${end.outcome} ${end.status}`)).toEqual(['ok 200', 'ok 200', 'error 400', 'ok 200', 'ok 200']);
      },
    );

    describe("Codex's retries: a rate-limited request is asked again, and the second answers", () => {
      const slowDown = 'Rate limit reached: try again in 1s';
      test.each([
        ['local', 'before the stream'],
        ['anthropic', 'before the stream'],
        ['openai', 'before the stream'],
        ['local', 'mid-stream'],
        ['anthropic', 'mid-stream'],
      ] as const)('%s: a 429 %s', async (provider, when) => {
        const agent = agentFor(fakes[provider]);
        let refused = false;
        fakes[provider].handler = (request, res, req) => {
          if (refused) return agent(request, res, req);
          refused = true;
          if (when === 'before the stream') {
            const body =
              provider === 'anthropic'
                ? { type: 'error', error: { type: 'rate_limit_error', message: slowDown } }
                : { error: { code: 429, message: slowDown, type: 'rate_limit_error' } };
            res.setHeader('retry-after', '0');
            sendJson(res, 429, body);
          } else {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.end(
              provider === 'anthropic'
                ? messageStartFrame('msg_limited') + anthropicEvent('error', { error: { type: 'rate_limit_error', message: slowDown } })
                : chatChunkFrame({ id: 'chatcmpl-limited', created: 1, model: 'm' }, { role: 'assistant', content: '' }) +
                    dataFrame({ error: { code: 429, message: slowDown } }),
            );
          }
          return true;
        };
        const run = await turn(MODELS[provider], TEXT_PROMPT, { retries: { request: 2, stream: 2 } });
        // Codex says it reconnects, then finishes the turn.
        expectSuccess(run, /^Reconnecting\.\.\. 1\/2/);
        expect(run.errors).toHaveLength(1);
        expect(run.finalMessage).toBe(helloText(provider));
        expect(fakes[provider].requests).toHaveLength(2);
        expect(ends.map((end) => [end.outcome, end.status])).toEqual([
          ['error', when === 'before the stream' ? 429 : 200],
          ['ok', 200],
        ]);
        expect(ends[0]!.error?.message).toContain(slowDown);
      });
    });

    test.each(['openrouter', 'openai'] as const)(
      '%s: Codex killed mid-answer; the upstream request is closed, request.end and the log say aborted, with what came',
      async (provider) => {
        const stop = new AbortController();
        let upstreamClosed = false;
        fakes[provider].handler = (_request, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(
            provider === 'openai'
              ? 'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_held","object":"response","status":"in_progress","output":[]}}\n\n' +
                  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_held","output_index":0,"content_index":0,"delta":"Hel"}\n\n'
              : chatChunkFrame({ id: 'chatcmpl-held', created: 1, model: 'm' }, { role: 'assistant', reasoning: 'pondering' }) +
                  chatChunkFrame({ id: 'chatcmpl-held', created: 1, model: 'm' }, { content: 'Hel' }),
          );
          res.on('close', () => (upstreamClosed = true));
          setTimeout(() => stop.abort(), 300);
          return true;
        };
        const run = await turn(MODELS[provider], TEXT_PROMPT, { abort: stop.signal });
        expect(run.signal).toBe('SIGKILL');
        await waitUntil(() => upstreamClosed && ends.length === 1 && records.length === 1, 2000, 'the upstream closed, request.end and the record');
        expect(ends[0]).toMatchObject({ provider, outcome: 'aborted', endpoint: 'responses' });
        expect(records[0]).toMatchObject({
          outcome: 'aborted',
          response: { text: 'Hel', ...(provider === 'openrouter' ? { reasoning: 'pondering' } : {}) },
        });
      },
    );
  });
}
