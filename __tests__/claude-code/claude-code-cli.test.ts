/**
 * The real Claude Code CLI (2.1.197, pinned by `scripts/install-claude-code.sh`), headless
 * (`claude -p --output-format stream-json`), through an Express host with the router at /v1,
 * against fake upstreams on 127.0.0.1 that speak each provider's wire format and keep its checks
 * (Anthropic refuses thinking it did not sign and a tool loop whose thinking went missing). Runs
 * with the Claude Code suite only (`npm run test:claude-code`).
 *
 * For a model of each provider (Anthropic and llama-server passed through to their Messages API,
 * OpenAI and OpenRouter translated to chat completions): a text answer, a tool round trip through
 * Claude Code's `Bash` tool, and the same with reasoning; a session that moves from one provider
 * to Anthropic; errors as Claude Code reads them; its token never upstream.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathOf, type RecordedRequest } from '../support/fake-server';
import type { ProviderId } from '../support/fake-upstream';
import {
  AGENT_REASONING,
  afterToolText,
  withoutReminders,
  agentFor,
  BASH_TOOL,
  helloText,
  parallelPrompt,
  picturePrompt,
  readFilePrompt,
  pictureText,
  READ_TOOL,
  TEXT_PROMPT,
  THINK_MARK,
  loadToolPrompt,
  TOOL_SEARCH_TOOL,
  TOOL_COMMAND,
  TOOL_OUTPUT,
  TOOL_PROMPT,
} from '../support/agent-upstreams';
import { envFor, startHost } from '../support/host';
import { ANTHROPIC_AGENT_SIGNATURE } from '../support/messages-wire';
import { keyPieces, KEYS } from '../support/keys';
import { everythingSent } from '../support/recorded-requests';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { chatChunkFrame, dataFrame, messageStartFrame } from '../support/wire-frames';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import {
  answeredDetails,
  DEEPSEEK_V4,
  GEMINI_3,
  GPT_5_5,
  KIMI_K2,
  openRouterModelAgent,
  type DetailPlacement,
  type OpenRouterModel,
} from '../support/openrouter-models';
import { deferred, waitUntil, within } from '../support/wait';
import {
  CLAUDE_CODE_VERSION,
  claudeBinary,
  PINNED_CLAUDE_CODE_VERSION,
  CLAUDE_TOKEN,
  expectSuccess,
  IN_CLAUDE_CODE_SUITE,
  newSession,
  runClaude,
  type ClaudeRun,
  type ClaudeSession,
  type ClaudeRunOptions,
} from './claude-code';

/** What each Claude Code version the suite runs does differently, measured (against a bare fake Anthropic where it is the client's own doing). */
const KNOWN_VERSIONS: Record<string, { sendsOfARefusedRequest: number; loadsDeferredTools: boolean }> = {
  [PINNED_CLAUDE_CODE_VERSION]: { sendsOfARefusedRequest: 1, loadsDeferredTools: false },
  // Sends a request refused with a 400 six times whatever CLAUDE_CODE_MAX_RETRIES says; loads deferred tools with ToolSearch.
  '2.1.332': { sendsOfARefusedRequest: 6, loadsDeferredTools: true },
};
const KNOWN = Object.hasOwn(KNOWN_VERSIONS, CLAUDE_CODE_VERSION) ? KNOWN_VERSIONS[CLAUDE_CODE_VERSION] : undefined;
// Only where the suite runs: `npm test` lists this file as a to-do whatever the version.
if (!KNOWN && IN_CLAUDE_CODE_SUITE) {
  throw new Error(`Claude Code ${CLAUDE_CODE_VERSION} is not one the suite knows: measure what it does and add it to KNOWN_VERSIONS`);
}
/** How many times Claude Code sends a request the provider refused with a 400. */
const SENDS_OF_A_REFUSED_REQUEST = KNOWN?.sendsOfARefusedRequest ?? 1;
/** Claude Code sends some tools with `defer_loading` and loads them with its ToolSearch tool. */
const LOADS_DEFERRED_TOOLS = KNOWN?.loadsDeferredTools ?? false;

type Json = Record<string, unknown>;
type Block = Json & { type?: string };
type Message = { role: string; content: string | Block[]; reasoning_content?: string; tool_calls?: unknown[] };
type ChatCall = { id: string; function: { name: string; arguments: string } };

if (!IN_CLAUDE_CODE_SUITE) {
  test.todo('runs in the Claude Code suite only: npm run test:claude-code');
} else {
  const fakes = useFakes();
  const host = useHost(fakes, { prepare: claudeBinary });
  /** The host's request.end events, emptied before each run. */
  const { ends } = host;

  test(`Claude Code ${CLAUDE_CODE_VERSION} is installed`, () => {
    expect(execFileSync(claudeBinary(), ['--version'], { encoding: 'utf8' }).trim()).toBe(`${CLAUDE_CODE_VERSION} (Claude Code)`);
  });

  interface Case {
    provider: ProviderId;
    model: string;
    upstreamModel: string;
    /** The path the fake upstream is asked on. */
    path: string;
    how: string;
  }
  const CASES: Case[] = [
    { provider: 'anthropic', model: 'anthropic/claude-sonnet-4-5', upstreamModel: 'claude-sonnet-4-5', path: '/v1/messages', how: 'passed through' },
    {
      provider: 'local',
      model: 'local/qwen2.5-0.5b-instruct-q4_k_m.gguf',
      upstreamModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      path: '/v1/messages',
      how: "passed through to llama-server's Messages endpoint",
    },
    { provider: 'openai', model: 'openai/gpt-5.5', upstreamModel: 'gpt-5.5', path: '/v1/chat/completions', how: 'translated to chat completions' },
    {
      provider: 'openrouter',
      model: 'openrouter/deepseek/deepseek-r1',
      upstreamModel: 'deepseek/deepseek-r1',
      path: '/api/v1/chat/completions',
      how: 'translated to chat completions',
    },
    {
      provider: 'openrouter',
      model: 'openrouter/anthropic/claude-sonnet-4.5',
      upstreamModel: 'anthropic/claude-sonnet-4.5',
      path: '/api/v1/chat/completions',
      how: "translated to chat completions; OpenRouter relays Anthropic's signed thinking",
    },
  ];
  /** The first case of `provider` (for OpenRouter, DeepSeek's: a model with no signed thinking). */
  const caseOf = (provider: ProviderId): Case => CASES.find((c) => c.provider === provider)!;

  /** Runs Claude Code through the host with the provider's agent upstream, and checks what reached the upstreams. */
  async function run(c: Case, prompt: string, options: Partial<ClaudeRunOptions> = {}): Promise<{ run: ClaudeRun; sent: RecordedRequest[] }> {
    const fake = fakes[c.provider];
    fake.handler = agentFor(fake);
    ends.length = 0;
    const result = await runClaude({ baseUrl: host.url, model: c.model, prompt, token: CLAUDE_TOKEN, ...options });
    expectSuccess(result);
    // One request.end per model turn, each naming the provider, with the usage the upstream reported.
    expect(ends).toHaveLength(fake.requests.length);
    for (const end of ends) {
      expect(end).toMatchObject({
        provider: c.provider,
        endpoint: 'messages',
        model: c.model,
        upstreamModel: c.upstreamModel,
        stream: true,
        outcome: 'ok',
        status: 200,
      });
      expect(end.usage?.promptTokens).toBeGreaterThan(0);
    }
    // Only the provider's fake was asked, only on its path, with its own key and never Claude Code's token.
    expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual(fake.requests.map(() => `POST ${c.path}`));
    const sentText = everythingSent(fakes.all());
    expect(sentText).not.toContain(CLAUDE_TOKEN);
    if (c.provider !== 'local') expect(sentText).toContain(KEYS[c.provider]);
    for (const request of fake.requests) expect(request.body?.model).toBe(c.upstreamModel);
    return { run: result, sent: [...fake.requests] };
  }

  const thinkingOf = (run: ClaudeRun): Block[] => run.assistantBlocks.filter((block) => block.type === 'thinking');

  describe.each(CASES)('$model ($how)', (c) => {
    test('a text answer', async () => {
      const { run: result, sent } = await run(c, TEXT_PROMPT);
      expect(result.result?.result).toBe(helloText(c.provider));
      expect(result.toolResults).toEqual([]);
      expect(result.stdoutNoise).toEqual([]);
      expect(sent).toHaveLength(1);
      // Claude Code is told the model it asked for.
      const [answer] = result.events.filter((e) => e.type === 'assistant');
      expect((answer!.message as Json).model).toBe(c.model);
    });

    test('a tool round trip through Bash', async () => {
      const { run: result, sent } = await run(c, TOOL_PROMPT);
      expect(result.toolResults).toEqual([expect.objectContaining({ is_error: false, content: TOOL_OUTPUT })]);
      // The upstream saw the tool's output (in its own dialect) and answered from it.
      expect(result.result?.result).toBe(afterToolText(TOOL_OUTPUT));
      expect(sent).toHaveLength(2);
      expectToolTurn(c.provider, sent[1]!.body!);
    });

    test('a tool round trip with reasoning: the thinking reaches Claude Code, and goes back as the provider needs it', async () => {
      const { run: result, sent } = await run(c, `${TOOL_PROMPT} ${THINK_MARK}`);
      expect(result.result?.result).toBe(afterToolText(TOOL_OUTPUT));
      expect(sent).toHaveLength(2);
      const shown = thinkingOf(result);
      if (c.provider === 'openai') {
        // OpenAI's chat completions show no reasoning text.
        expect(shown).toEqual([]);
        return;
      }
      expect(shown).toHaveLength(2);
      for (const block of shown) expect(block.thinking).toBe(AGENT_REASONING);
      const replayed = sent[1]!.body!;
      if (c.provider === 'anthropic') {
        // Passed through: the signed block goes back as Anthropic issued it (the fake refuses any other).
        const messages = replayed.messages as Message[];
        const caller = messages[messages.length - 2]!;
        expect((caller.content as Block[])[0]).toMatchObject({ type: 'thinking', thinking: AGENT_REASONING, signature: shown[0]!.signature });
      } else if (c.provider === 'local') {
        // llama-server's own (unsigned) thinking goes back to it as it came.
        const messages = replayed.messages as Message[];
        expect((messages[messages.length - 2]!.content as Block[])[0]).toMatchObject({ type: 'thinking', thinking: AGENT_REASONING });
      } else if (c.upstreamModel.startsWith('anthropic/')) {
        // Anthropic's signature, relayed by OpenRouter, goes back to it in reasoning_details (its fake refuses the loop otherwise).
        const messages = replayed.messages as Message[];
        const caller = messages.find((m) => m.role === 'assistant' && m.tool_calls)!;
        expect(shown[0]!.signature).toBe(ANTHROPIC_AGENT_SIGNATURE);
        expect(caller).toMatchObject({
          reasoning_content: AGENT_REASONING,
          reasoning_details: [{ type: 'reasoning.text', text: AGENT_REASONING, signature: ANTHROPIC_AGENT_SIGNATURE }],
        });
      } else {
        // Translated: the router's signed block becomes the call's reasoning_content.
        const messages = replayed.messages as Message[];
        const caller = messages.find((m) => m.role === 'assistant' && m.tool_calls)!;
        expect(caller.reasoning_content).toBe(AGENT_REASONING);
        expect(String(shown[0]!.signature)).toMatch(/^epr1\./);
      }
    });
  });

  describe.each(CASES)('parallel tool calls: $model', (c) => {
    test('two Bash calls in one turn both run, and both outputs go back paired with their calls', async () => {
      const { run: result, sent } = await run(c, parallelPrompt('echo first-ran', 'echo second-ran'));
      // Claude Code runs them at once and sends the results back in the order they finished.
      expect(result.toolResults.map((block) => block.content).sort()).toEqual(['first-ran', 'second-ran']);
      expect(result.result?.result).toMatch(/^Tool output received: (first-ran, second-ran|second-ran, first-ran)$/);
      expect(sent).toHaveLength(2);
      const messages = sent[1]!.body!.messages as Message[];
      /** Each command's output, found by the id of the call that ran it. */
      let outputByCommand: Record<string, unknown>;
      if (c.provider === 'anthropic' || c.provider === 'local') {
        const uses = (messages[messages.length - 2]!.content as Block[]).filter((block) => block.type === 'tool_use');
        const results = (messages[messages.length - 1]!.content as Block[]).filter((block) => block.type === 'tool_result');
        outputByCommand = Object.fromEntries(
          uses.map((use) => [(use.input as { command: string }).command, results.find((r) => r.tool_use_id === use.id)?.content]),
        );
      } else {
        const calls = (messages.find((m) => m.role === 'assistant' && m.tool_calls)!.tool_calls ?? []) as ChatCall[];
        expect(calls).toHaveLength(2);
        const tools = messages.filter((m) => m.role === 'tool') as Array<Message & { tool_call_id: string }>;
        outputByCommand = Object.fromEntries(
          calls.map((call) => [
            (JSON.parse(call.function.arguments) as { command: string }).command,
            tools.find((m) => m.tool_call_id === call.id)?.content,
          ]),
        );
      }
      const printed = Object.entries(outputByCommand).map(([command, output]) => [
        command,
        typeof output === 'string' ? withoutReminders(output) : output,
      ]);
      expect(Object.fromEntries(printed)).toEqual({ 'echo first-ran': 'first-ran', 'echo second-ran': 'second-ran' });
    });
  });

  // Claude Code 2.1.3xx sends some tools with `defer_loading` and loads them with its ToolSearch
  // tool, whose result holds `tool_reference` blocks: chat providers get the loaded tool's
  // definition in the tool message, and the tool itself from then on.
  (LOADS_DEFERRED_TOOLS ? describe.each(CASES) : describe.skip.each(CASES))('a deferred tool loaded by tool search: $model', (c) => {
    test('the tool search result reaches the provider, and the loaded tool with it', async () => {
      const { run: result, sent } = await run(c, loadToolPrompt('NotebookEdit'));
      expect(result.assistantBlocks).toContainEqual(expect.objectContaining({ type: 'tool_use', name: TOOL_SEARCH_TOOL }));
      expect(sent).toHaveLength(2);
      const first = sent[0]!.body!;
      const second = sent[1]!.body!;
      const toolNames = (body: Record<string, unknown>): string[] =>
        (body.tools as Array<{ name?: string; function?: { name: string } }>).map((tool) => tool.name ?? tool.function!.name);
      if (c.provider === 'anthropic' || c.provider === 'local') {
        // Passed through: the deferred tools and the reference go as Claude Code sent them.
        const results = (second.messages as Message[]).flatMap((m) => (Array.isArray(m.content) ? (m.content as Block[]) : []));
        expect(results).toContainEqual(
          expect.objectContaining({ type: 'tool_result', content: [{ type: 'tool_reference', tool_name: 'NotebookEdit' }] }),
        );
        return;
      }
      // Translated: a deferred tool goes only once loaded, and the placeholder Claude Code keeps deferred never.
      expect(toolNames(first)).not.toContain('NotebookEdit');
      expect(toolNames(first)).not.toContain('DeferredToolPlaceholder');
      expect(toolNames(second)).toContain('NotebookEdit');
      const toolMessage = (second.messages as Message[]).find((m) => m.role === 'tool') as Message & { content: string };
      const notebookEdit = (second.tools as Array<{ function: { name: string; description: string; parameters: unknown } }>).find(
        (tool) => tool.function.name === 'NotebookEdit',
      )!.function;
      expect(toolMessage.content).toBe(
        `<functions>\n<function>${JSON.stringify({ description: notebookEdit.description, name: 'NotebookEdit', parameters: notebookEdit.parameters })}</function>\n</functions>`,
      );
    });
  });

  describe("a long file read with Claude Code's Read tool: Claude Code counts its tokens first", () => {
    /** About 150 KB of text: more than the 25,000 tokens Claude Code reads at once, less than its 256 KB limit. */
    const LONG_TEXT = Array.from({ length: 2000 }, (_, i) => `line ${i}: the router sends each model to its provider, and back again`).join('\n');

    async function readLongFile(provider: ProviderId): Promise<ClaudeRun> {
      const session = newSession();
      try {
        const path = join(session.workDir, 'long.txt');
        writeFileSync(path, LONG_TEXT);
        const fake = fakes[provider];
        fake.handler = agentFor(fake);
        ends.length = 0;
        return await runClaude({
          baseUrl: host.url,
          model: caseOf(provider).model,
          prompt: readFilePrompt(path),
          token: CLAUDE_TOKEN,
          session,
          allowedTools: [READ_TOOL],
        });
      } finally {
        session.remove();
      }
    }

    test('anthropic: POST /messages/count_tokens passes through, query kept, with the provider key and not the client token', async () => {
      const result = await readLongFile('anthropic');
      expectSuccess(result);
      const counts = fakes.anthropic.requests.filter((r) => pathOf(r) === '/v1/messages/count_tokens');
      expect(counts.length).toBeGreaterThan(0);
      for (const count of counts) {
        expect(count.url).toContain('beta=true');
        expect(count.headers['x-api-key']).toBe(KEYS.anthropic);
        expect(JSON.stringify(count.headers)).not.toContain(CLAUDE_TOKEN);
      }
    });

    test("openai: the router answers count_tokens itself with Anthropic's 404, sends it nowhere, and Claude Code reads on", async () => {
      const result = await readLongFile('openai');
      expectSuccess(result);
      expect(result.toolResults).toHaveLength(1);
      expect(fakes.received().map((r) => pathOf(r))).not.toContain('/v1/messages/count_tokens');
      expect(fakes.received().every((r) => pathOf(r) === '/v1/chat/completions')).toBe(true);
      // Claude Code did ask, between its two model turns (request.end of a turn may follow the next request's).
      expect(ends.map((e) => `${e.endpoint} ${e.status}`).sort()).toEqual(['messages 200', 'messages 200', 'messages.count_tokens 404']);
    });
  });

  describe("a picture from Claude Code's Read tool", () => {
    // A 4x4 red PNG.
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==', 'base64');

    test.each(CASES)('$model: the picture reaches the model, which answers from it', async (c) => {
      const session = newSession();
      try {
        const path = join(session.workDir, 'picture.png');
        writeFileSync(path, PNG);
        const { run: result, sent } = await run(c, picturePrompt(path), { session, allowedTools: [READ_TOOL] });
        expect(result.toolResults).toHaveLength(1);
        expect(result.result?.result).toBe(pictureText('image/png'));
        expect(sent).toHaveLength(2);
        const messages = sent[1]!.body!.messages as Message[];
        if (c.provider === 'anthropic' || c.provider === 'local') return;
        // Translated: the tool message, then the picture opening the user message that follows it.
        const tool = messages.findIndex((m) => m.role === 'tool');
        expect(tool).toBeGreaterThan(0);
        const next = messages[tool + 1]!;
        expect(next.role).toBe('user');
        expect((next.content as Block[])[0]).toEqual({
          type: 'image_url',
          image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` },
        });
      } finally {
        session.remove();
      }
    });
  });

  // The models behind OpenRouter keep their own rules in a tool loop: Gemini 3 wants its thought
  // signature back with its call, DeepSeek its reasoning_content, Kimi its results paired with its
  // (repeated) call ids; what OpenRouter sent in reasoning_details goes back to it unchanged.
  describe("OpenRouter models that are not Anthropic's, each keeping its provider's rules", () => {
    interface ModelCase {
      name: string;
      model: OpenRouterModel;
      placement?: DetailPlacement;
    }
    const MODEL_CASES: ModelCase[] = [
      { name: 'Gemini 3, its thought signature in the chunk of the call or text', model: GEMINI_3, placement: 'with-answer' },
      { name: 'Gemini 3, its thought signature in a chunk after the call or text', model: GEMINI_3, placement: 'after-answer' },
      { name: 'DeepSeek in thinking mode', model: DEEPSEEK_V4 },
      { name: 'Kimi, its calls numbered functions.Bash:0 in every answer', model: KIMI_K2 },
      { name: 'OpenAI, its encrypted reasoning in a chunk after the call or text', model: GPT_5_5, placement: 'after-answer' },
    ];

    type ChatMessage = Message & { reasoning_details?: Json[]; tool_call_id?: string };

    /** Claude Code runs a tool loop on the case's model through the host; the fake OpenRouter answers as that model, and refuses what it refuses. */
    async function toolLoopOn(
      c: ModelCase,
      options: { cutStreams?: boolean; session?: ClaudeSession; continue?: boolean } = {},
    ): Promise<{ run: ClaudeRun; sent: RecordedRequest[] }> {
      const fake = fakes.openrouter;
      fake.handler = openRouterModelAgent(c.model, { placement: c.placement, cutStreams: options.cutStreams });
      ends.length = 0;
      const result = await runClaude({
        baseUrl: host.url,
        model: `openrouter/${c.model.id}`,
        prompt: TOOL_PROMPT,
        token: CLAUDE_TOKEN,
        ...(options.session ? { session: options.session, continue: options.continue } : {}),
      });
      expectSuccess(result);
      expect(result.toolResults).toEqual([expect.objectContaining({ is_error: false, content: expect.stringContaining(TOOL_OUTPUT) })]);
      expect(result.result?.result).toBe(afterToolText(TOOL_OUTPUT));
      // Two turns answered (a cut stream is asked again without stream), none refused.
      const sent = fake.requests.filter((r) => !options.cutStreams || r.body?.stream !== true);
      expect(sent).toHaveLength(2);
      expect(ends.filter((end) => end.status === 200 && end.outcome === 'ok')).toHaveLength(2);
      if (c.model.reasoning !== undefined) expect(thinkingOf(result)[0]?.thinking).toBe(c.model.reasoning);
      return { run: result, sent };
    }

    /** Each assistant message with calls in a chat request carries the reasoning_details its answer had, whole and unchanged. */
    function expectDetailsBack(model: OpenRouterModel, body: Json): ChatMessage[] {
      const callers = (body.messages as ChatMessage[]).filter((m) => m.role === 'assistant' && m.tool_calls);
      for (const caller of callers) {
        const callIds = (caller.tool_calls as ChatCall[]).map((call) => call.id);
        const details = answeredDetails(model, callIds);
        if (details.length === 0) expect(caller.reasoning_details).toBeUndefined();
        else expect(caller.reasoning_details).toEqual(details);
      }
      return callers;
    }

    describe.each(MODEL_CASES)('$name', (c) => {
      test('a tool round trip through Bash, streamed', async () => {
        const { run: result, sent } = await toolLoopOn(c);
        expect(expectDetailsBack(c.model, sent[1]!.body!)).toHaveLength(1);
        if (c.placement === 'after-answer') {
          // What came after the call rides in an empty thinking block after it: Claude Code keeps that
          // block (and sends it back, above).
          const calling = result.assistantBlocks.slice(0, 3).map((block) => [block.type, block.thinking]);
          expect(calling).toEqual([
            ['thinking', c.model.reasoning],
            ['tool_use', undefined],
            ['thinking', ''],
          ]);
        }
      });

      test('a tool round trip through Bash, not streamed (every stream cut off: Claude Code asks again without stream)', async () => {
        const { sent } = await toolLoopOn(c, { cutStreams: true });
        for (const request of sent) expect(request.body?.stream).not.toBe(true);
        expect(expectDetailsBack(c.model, sent[1]!.body!)).toHaveLength(1);
      });

      test('a second tool loop in the session (--continue): both calling turns go back, each with its reasoning and paired with its result', async () => {
        const session = newSession();
        try {
          await toolLoopOn(c, { session });
          fakes.reset();
          const { sent } = await toolLoopOn(c, { session, continue: true });
          const callers = expectDetailsBack(c.model, sent[1]!.body!);
          expect(callers).toHaveLength(2);
          const callIds = callers.flatMap((caller) => (caller.tool_calls as ChatCall[]).map((call) => call.id));
          // No two calls go back under one id. Kimi said functions.Bash:0 both times: the first goes
          // back as Kimi gave it (Claude Code got an id of the router's, which carries it), the
          // second under the router's id.
          expect(new Set(callIds).size).toBe(2);
          if (c.model === KIMI_K2) expect(callIds[0]).toBe('functions.Bash:0');
          const tools = (sent[1]!.body!.messages as ChatMessage[]).filter((m) => m.role === 'tool');
          expect(tools.map((m) => m.tool_call_id)).toEqual(callIds);
        } finally {
          session.remove();
        }
      });
    });
  });

  describe('a session that moves between providers (--continue with another model)', () => {
    test.each(['openrouter', 'local'] as const)(
      'from %s to Anthropic: the thinking Anthropic did not sign never reaches it, and the turn is one it accepts',
      async (from) => {
        const session = newSession();
        try {
          const first = await run(caseOf(from), `${TOOL_PROMPT} ${THINK_MARK}`, { session });
          expect(thinkingOf(first.run)).toHaveLength(2);
          fakes.reset();
          // The tool loop of the first session goes to Anthropic with the next prompt.
          // Claude Code itself drops signed thinking from turns another model answered; what the
          // router's signature marks is left out by the router, and thinking with it when that
          // empties the last turn. The fake Anthropic refuses unsigned thinking, and enabled
          // thinking in a tool loop whose thinking went missing.
          const { run: moved, sent } = await run(caseOf('anthropic'), TEXT_PROMPT, { session, continue: true });
          // Anthropic answered (the fake refuses what the real API refuses), and the turn finished.
          expect(moved.exitCode).toBe(0);
          expect(moved.result?.result).toEqual(expect.any(String));
          expect(sent).toHaveLength(1);
          const body = sent[0]!.body!;
          const assistants = (body.messages as Message[]).filter((m) => m.role === 'assistant');
          expect(assistants.length).toBeGreaterThan(0);
          for (const message of assistants) {
            const blocks = typeof message.content === 'string' ? [] : message.content;
            expect(blocks.filter((block) => block.type === 'thinking')).toEqual([]);
          }
        } finally {
          session.remove();
        }
      },
    );

    test('a second tool loop in one session on a translated provider ends, though the provider repeats its completion ids', async () => {
      // The fakes answer every turn as chatcmpl-agent-1. Claude Code merges messages that share an
      // id: had the router made its message ids from the provider's, it would go round for good.
      const session = newSession();
      try {
        await run(caseOf('openai'), TOOL_PROMPT, { session });
        fakes.reset();
        const { run: again, sent } = await run(caseOf('openai'), TOOL_PROMPT, { session, continue: true });
        expect(again.toolResults).toHaveLength(1);
        expect(sent).toHaveLength(2);
      } finally {
        session.remove();
      }
    });

    test('from Anthropic to OpenRouter: the tool loop goes on, translated', async () => {
      const session = newSession();
      try {
        await run(caseOf('anthropic'), `${TOOL_PROMPT} ${THINK_MARK}`, { session });
        fakes.reset();
        const { run: moved, sent } = await run(caseOf('openrouter'), TEXT_PROMPT, { session, continue: true });
        expect(moved.result?.result).toBe(helloText('openrouter'));
        expectToolPair(sent[0]!.body!.messages as Message[]);
      } finally {
        session.remove();
      }
    });
  });

  describe('what Claude Code reads of failures', () => {
    /** Claude Code asked to say hello through the host on `provider`'s first model, with its scripted upstream left as the test set it. */
    const askOnce = (provider: ProviderId, options: { retries?: boolean } = {}): Promise<ClaudeRun> =>
      runClaude({
        baseUrl: host.url,
        model: caseOf(provider).model,
        prompt: TEXT_PROMPT,
        token: CLAUDE_TOKEN,
        ...(options.retries === false ? { env: { CLAUDE_CODE_MAX_RETRIES: '0' } } : {}),
      });

    test('a provider 400 reaches Claude Code with the provider message, as an Anthropic-shaped error', async () => {
      const openai = fakes.openai;
      const message = 'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.';
      openai.handler = (_request, res) => sendJson(res, 400, { error: { message, type: 'invalid_request_error', param: 'max_tokens', code: null } });
      const result = await askOnce('openai', { retries: false });
      expect(result.exitCode).not.toBe(0);
      expect(result.result).toMatchObject({ is_error: true });
      expect(JSON.stringify(result.result)).toContain('max_tokens is too large');
      // Sent as often as Claude Code sends a request Anthropic itself refused with a 400 (measured
      // against a bare fake Anthropic): the router's answer adds nothing that makes it retry.
      expect(openai.requests).toHaveLength(SENDS_OF_A_REFUSED_REQUEST);
    });

    test.each(['openai', 'anthropic'] as const)(
      '%s: a stream cut off mid-answer; Claude Code asks again without stream, and that answer arrives',
      async (provider) => {
        const fake = fakes[provider];
        const agent = agentFor(fake);
        fake.handler = (request, res, req) => {
          if (request.body?.stream !== true) return agent(request, res, req);
          // The stream opens, one piece arrives, then the connection drops.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(
            provider === 'openai'
              ? chatChunkFrame({ id: 'chatcmpl-cut', created: 1, model: 'gpt-5.5' }, { role: 'assistant', content: 'Hel' })
              : messageStartFrame('msg_cut'),
          );
          setTimeout(() => res.destroy(), 50);
          return true;
        };
        const result = await askOnce(provider);
        expectSuccess(result);
        expect(result.result?.result).toBe(helloText(provider));
        expect(fake.requests.map((r) => r.body?.stream === true)).toEqual([true, false]);
      },
    );

    test('a provider error mid-stream reaches Claude Code with its message (and so does the same error on its retry without stream)', async () => {
      const openai = fakes.openai;
      const identity = { id: 'chatcmpl-err', created: 1, model: 'gpt-5.5' };
      const error = { message: 'The server had an error processing your request.', type: 'server_error', code: null };
      openai.handler = (request, res) => {
        if (request.body?.stream !== true) sendJson(res, 500, { error });
        else sendFrames(res, [chatChunkFrame(identity, { role: 'assistant', content: 'Hel' }), dataFrame({ error })]);
      };
      const result = await askOnce('openai', { retries: false });
      expect(result.exitCode).not.toBe(0);
      expect(result.result).toMatchObject({ is_error: true });
      expect(JSON.stringify(result.result)).toContain('The server had an error processing your request.');
      expect(openai.requests.map((r) => r.body?.stream === true)).toEqual([true, false]);
    });

    test.each([
      ['openai', 429, { error: { message: 'Rate limit reached for gpt-5.5.', type: 'requests', code: 'rate_limit_exceeded' } }],
      ['anthropic', 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
    ] as const)('%s: a %i with retry-after is retried by Claude Code, and the retry is answered', async (provider, status, errorBody) => {
      const fake = fakes[provider];
      const agent = agentFor(fake);
      fake.handler = (request, res, req) => {
        if (fake.requests.length > 1) return agent(request, res, req);
        sendJson(res, status, errorBody, { 'retry-after': '0' });
        return true;
      };
      const result = await askOnce(provider);
      expectSuccess(result);
      expect(result.result?.result).toBe(helloText(provider));
      expect(fake.requests).toHaveLength(2);
    });

    test("the router's own timeout reaches Claude Code as a timeout, with the router's message", async () => {
      fakes.openrouter.handler = () => undefined; // never answers
      const result = await askOnce('openrouter', { retries: false });
      expect(result.exitCode).not.toBe(0);
      expect(result.result).toMatchObject({ is_error: true, api_error_status: 504 });
      expect(String(result.result?.result)).toContain('Provider "openrouter" sent no response within 2000 ms (PROVIDER_TIMEOUT_MS)');
    });

    // Claude Code shows a translated provider's message (for Anthropic's own 401 it says "Invalid API
    // key" itself, so there the key-leak suite's SDK tests stand).
    test.each(['openai', 'openrouter'] as const)(
      '%s: a 401 that echoes the provider key reaches Claude Code with the key redacted',
      async (provider) => {
        const key = KEYS[provider];
        fakes[provider].handler = (_request, res) =>
          sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
        const result = await askOnce(provider, { retries: false });
        expect(result.result).toMatchObject({ is_error: true, api_error_status: 401 });
        const everything = JSON.stringify(result.events) + result.stderr;
        expect(everything).toContain('Incorrect API key provided');
        for (const piece of keyPieces(key)) expect(everything).not.toContain(piece);
      },
    );

    test.each(['openai', 'anthropic'] as const)(
      '%s: Claude Code killed mid-answer; the upstream request is aborted at once, and request.end says aborted',
      async (provider) => {
        const fake = fakes[provider];
        const stop = new AbortController();
        const upstreamClosed = deferred();
        fake.handler = (_request, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(
            provider === 'openai'
              ? chatChunkFrame({ id: 'chatcmpl-held', created: 1, model: 'gpt-5.5' }, { role: 'assistant', content: 'Thinking about it' })
              : messageStartFrame('msg_held'),
          );
          // The answer goes on and on; the user gives up once its first frame has had time to arrive.
          res.on('close', () => upstreamClosed.resolve());
          setTimeout(() => stop.abort(), 300);
          return true;
        };
        ends.length = 0;
        const result = await runClaude({
          baseUrl: host.url,
          model: caseOf(provider).model,
          prompt: TEXT_PROMPT,
          token: CLAUDE_TOKEN,
          abort: stop.signal,
        });
        expect(result.signal).toBe('SIGKILL');
        // Claude Code has exited: the router has seen its connection close and let go of the upstream.
        await within(upstreamClosed.promise, 2000, 'the upstream request closed after Claude Code was killed');
        await waitUntil(() => ends.length === 1, 2000, 'request.end');
        expect(ends[0]).toMatchObject({ provider, outcome: 'aborted', endpoint: 'messages' });
        expect(fake.requests).toHaveLength(1);
      },
    );

    test('CLAUDE_CODE_MAX_OUTPUT_TOKENS lowers what is asked for (README), and the request then goes through', async () => {
      const { sent } = await run(caseOf('openai'), TEXT_PROMPT, { env: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: '8000' } });
      expect(sent[0]!.body!.max_completion_tokens).toBe(8000);
    });
  });

  test("Claude Code's own default model, sent where PROVIDER_MODEL_MAP says (README)", async () => {
    const mapped = await startHost({ env: { ...envFor(fakes), PROVIDER_MODEL_MAP: 'claude-*=openrouter:qwen/qwen3-coder' } });
    try {
      fakes.openrouter.handler = agentFor(fakes.openrouter);
      const result = await runClaude({ baseUrl: mapped.url, model: '', prompt: TEXT_PROMPT, token: CLAUDE_TOKEN });
      expectSuccess(result);
      expect(result.result?.result).toBe(helloText('openrouter'));
      const asked = String((result.events.find((e) => e.type === 'system')?.model as string | undefined) ?? '');
      expect(asked).toMatch(/^claude-/);
      expect(fakes.openrouter.requests.map((r) => r.body?.model)).toEqual(['qwen/qwen3-coder']);
    } finally {
      await mapped.close();
    }
  });

  test('a token sent as Authorization: Bearer (ANTHROPIC_AUTH_TOKEN) stays with the host too', async () => {
    const { run: result } = await run(caseOf('anthropic'), TEXT_PROMPT, { auth: 'bearer' });
    expect(result.result?.result).toBe(helloText('anthropic'));
    expect(fakes.anthropic.requests[0]!.headers.authorization).toBeUndefined();
  });

  /** The second upstream request carries the call and its output, paired, in the provider's dialect. */
  function expectToolTurn(provider: ProviderId, body: Json): void {
    const messages = body.messages as Message[];
    if (provider === 'anthropic' || provider === 'local') {
      const caller = messages[messages.length - 2]!;
      const use = (caller.content as Block[]).find((block) => block.type === 'tool_use')!;
      expect(use).toMatchObject({ name: BASH_TOOL, input: { command: TOOL_COMMAND } });
      const result = (messages[messages.length - 1]!.content as Block[]).find((block) => block.type === 'tool_result')!;
      expect(result).toMatchObject({ tool_use_id: use.id });
      expect(JSON.stringify(result.content)).toContain(TOOL_OUTPUT);
      return;
    }
    expect(messages[0]!.role).toBe('system');
    expectToolPair(messages);
    expect(messages[messages.length - 1]!.role).toBe('tool');
  }

  /** A chat conversation holds Bash's call and, paired by id, its output. */
  function expectToolPair(messages: Message[]): void {
    const caller = messages.find((m) => m.role === 'assistant' && m.tool_calls) as Message & {
      tool_calls: Array<{ id: string; function: { name: string; arguments: string } }>;
    };
    expect(caller.tool_calls).toHaveLength(1);
    expect(caller.tool_calls[0]!.function.name).toBe(BASH_TOOL);
    expect(JSON.parse(caller.tool_calls[0]!.function.arguments)).toMatchObject({ command: TOOL_COMMAND });
    const tool = messages.find((m) => m.role === 'tool')!;
    expect(tool).toMatchObject({ tool_call_id: caller.tool_calls[0]!.id });
    expect(JSON.stringify(tool.content)).toContain(TOOL_OUTPUT);
  }
}
