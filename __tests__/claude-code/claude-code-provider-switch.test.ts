/**
 * The real Claude Code CLI (2.1.197, pinned by `scripts/install-claude-code.sh`), headless, through
 * an Express host with the router at /v1: a session that moves from one provider to another
 * mid-conversation, as a user does when resuming a session with `--model <other>` (or `/model`).
 * Runs with the Claude Code suite only (`npm run test:claude-code`).
 *
 * For each pair, a first turn runs a `Bash` tool loop on provider A; the same session, continued on
 * provider B, runs another. B gets the whole conversation, A's tool loop included, and the fakes
 * refuse what each real API refuses:
 *
 * - OpenAI's chat completions: a `tool_calls[].id` over 40 characters (`string_above_max_length`),
 *   and calls and tool messages that do not pair up.
 * - Anthropic: `tool_use` ids (and `tool_use_id`s) outside `^[a-zA-Z0-9_-]+$`, calls and results
 *   that do not pair up, and thinking it did not sign (the fake's own check).
 * - Behind OpenRouter, Kimi (a tool message for a call it does not find) and Gemini 3 (a call of the
 *   current turn without its thought signature): `openrouter-models.ts`.
 *
 * The pairs are those whose paths differ: Kimi's `functions.Bash:0` ids, which the router replaces
 * with ids of its own (longer than 40 characters) that carry Kimi's, moved to OpenAI (shortened),
 * to Anthropic and to llama-server (passed through); Gemini's thought signatures, which ride in the
 * router's signed thinking, moved to Anthropic and to OpenAI; and Anthropic's signed thinking and
 * `toolu_` ids moved to Kimi and to OpenAI (translated).
 *
 * The session is continued with `--continue` (the same session: its id is checked), which moves it
 * as `--resume <session> --model <other>` does. Claude Code itself drops the thinking of turns
 * another model answered (both versions the suite runs): B gets A's calls, results and text, and
 * none of A's thinking or signatures.
 */
import type { ServerResponse } from 'node:http';
import type { FakeHandler, RecordedRequest } from '../support/fake-server';
import { pathOf } from '../support/fake-server';
import type { FakeUpstream, ProviderId } from '../support/fake-upstream';
import { afterToolText, agentFor, BASH_TOOL, THINK_MARK, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT, withoutReminders } from '../support/agent-upstreams';
import { answerChatApi, CHAT_APIS } from '../support/chat-completions-wire';
import { KEYS } from '../support/keys';
import { ANTHROPIC_TOOL_USE_ID, anthropicToolProblem, sendMessagesInvalid } from '../support/messages-wire';
import { GEMINI_3, KIMI_K2, openRouterModelAgent } from '../support/openrouter-models';
import { everythingSent } from '../support/recorded-requests';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import {
  CLAUDE_TOKEN,
  claudeBinary,
  expectSuccess,
  IN_CLAUDE_CODE_SUITE,
  newSession,
  runClaude,
  type ClaudeRun,
  type ClaudeSession,
} from './claude-code';
import { asArray, asJson, type Json } from '../support/json-shape';

/** The second turn's command (on provider B), and what it prints. */
const MOVED_COMMAND = 'echo moved-ran-ok';
const MOVED_OUTPUT = 'moved-ran-ok';
const MOVED_PROMPT = `Run \`${MOVED_COMMAND}\` in the shell.`;

// ---------------------------------------------------------------- what the real APIs refuse

/** The longest `tool_calls[].id` OpenAI's chat completions take. */
const OPENAI_MAX_ID = CHAT_APIS.openai.maxToolCallIdLength!;

/**
 * What OpenAI's chat completions say to calls and tool messages that do not pair up: every
 * assistant message with `tool_calls` must be followed by a tool message for each of its ids, and a
 * tool message must answer a call of the assistant message before it.
 */
function openAIPairingProblem(messages: Json[]): { message: string; param: string | null } | undefined {
  let open: string[] | undefined;
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (open === undefined || !open.includes(String(message.tool_call_id))) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      }
      open = open.filter((id) => id !== message.tool_call_id);
      continue;
    }
    if (open !== undefined && open.length > 0) {
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
        param: 'messages',
      };
    }
    open = message.role === 'assistant' ? asArray(message.tool_calls).map((call) => String(asJson(call).id)) : undefined;
  }
  if (open !== undefined && open.length > 0) {
    return {
      message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`,
      param: 'messages',
    };
  }
  return undefined;
}

/**
 * The agent on the fake OpenAI's chat completions, refusing what OpenAI refuses in a conversation:
 * a call id over 40 characters (the fake's own refusal, `string_above_max_length`, which the
 * scripted agent leaves out) and calls and tool messages that do not pair up.
 */
function strictOpenAIAgent(fake: FakeUpstream): FakeHandler {
  const agent = agentFor(fake);
  return (request, res, req) => {
    if (pathOf(request) === '/v1/chat/completions' && request.method === 'POST') {
      const messages = asArray(request.body?.messages).map(asJson);
      const tooLong = messages.some((m) => asArray(m.tool_calls).some((call) => String(asJson(call).id).length > OPENAI_MAX_ID));
      // The default answer of the fake OpenAI refuses it, in OpenAI's words.
      if (tooLong) return answerChatApi(CHAT_APIS.openai, request, res);
      const problem = openAIPairingProblem(messages);
      if (problem) {
        sendJson(res, 400, { error: { message: problem.message, type: 'invalid_request_error', param: problem.param, code: null } });
        return true;
      }
    }
    return agent(request, res, req);
  };
}

/** The agent on the fake Anthropic (its own checks kept: auth, fields, signed thinking), refusing tool blocks as Anthropic does too. */
function strictAnthropicAgent(fake: FakeUpstream): FakeHandler {
  const agent = agentFor(fake);
  return (request: RecordedRequest, res: ServerResponse, req) => {
    if (pathOf(request) === '/v1/messages' && request.method === 'POST') {
      const problem = anthropicToolProblem(asArray(request.body?.messages).map(asJson));
      if (problem) {
        sendMessagesInvalid(res, problem);
        return true;
      }
    }
    return agent(request, res, req);
  };
}

// ---------------------------------------------------------------- the providers a session moves between

/** One side of a move: a model Claude Code asks for, the fake that answers it, and how. */
interface Side {
  name: string;
  provider: ProviderId;
  model: string;
  upstreamModel: string;
  /** The path the fake is asked on. */
  path: string;
  /** The dialect the fake is spoken to in. */
  dialect: 'messages' | 'chat';
  handler(fake: FakeUpstream): FakeHandler;
}

const KIMI: Side = {
  name: 'Kimi behind OpenRouter',
  provider: 'openrouter',
  model: `openrouter/${KIMI_K2.id}`,
  upstreamModel: KIMI_K2.id,
  path: '/api/v1/chat/completions',
  dialect: 'chat',
  handler: () => openRouterModelAgent(KIMI_K2),
};
const GEMINI: Side = {
  name: 'Gemini 3 behind OpenRouter',
  provider: 'openrouter',
  model: `openrouter/${GEMINI_3.id}`,
  upstreamModel: GEMINI_3.id,
  path: '/api/v1/chat/completions',
  dialect: 'chat',
  handler: () => openRouterModelAgent(GEMINI_3),
};
const OPENAI: Side = {
  name: 'OpenAI',
  provider: 'openai',
  model: 'openai/gpt-5.5',
  upstreamModel: 'gpt-5.5',
  path: '/v1/chat/completions',
  dialect: 'chat',
  handler: strictOpenAIAgent,
};
const ANTHROPIC: Side = {
  name: 'Anthropic',
  provider: 'anthropic',
  model: 'anthropic/claude-sonnet-4-5',
  upstreamModel: 'claude-sonnet-4-5',
  path: '/v1/messages',
  dialect: 'messages',
  handler: strictAnthropicAgent,
};
const LOCAL: Side = {
  name: 'llama-server',
  provider: 'local',
  model: 'local/qwen2.5-0.5b-instruct-q4_k_m.gguf',
  upstreamModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
  path: '/v1/messages',
  dialect: 'messages',
  handler: agentFor,
};

/** One call of a conversation as an upstream got it: its id, the command it ran, and the output paired with it by id. */
interface SentCall {
  id: string;
  command: string;
  output: string | undefined;
}

/** The `Bash` calls of a request's conversation, in order, each with the output its result (found by id) carries, in the request's dialect. */
function callsIn(dialect: Side['dialect'], body: Json): SentCall[] {
  const messages = asArray(body.messages).map(asJson);
  const textOf = (content: unknown): string =>
    typeof content === 'string'
      ? content
      : asArray(content)
          .map(asJson)
          .map((part) => String(part.text ?? ''))
          .join('\n');
  const printed = (content: unknown): string => withoutReminders(textOf(content));
  if (dialect === 'messages') {
    const blocks = messages.flatMap((m) => asArray(m.content).map(asJson));
    return blocks
      .filter((block) => block.type === 'tool_use' && block.name === BASH_TOOL)
      .map((use) => {
        const result = blocks.find((block) => block.type === 'tool_result' && block.tool_use_id === use.id);
        return { id: String(use.id), command: String(asJson(use.input).command), output: result && printed(result.content) };
      });
  }
  return messages
    .flatMap((m) => asArray(m.tool_calls).map(asJson))
    .filter((call) => asJson(call.function).name === BASH_TOOL)
    .map((call) => {
      const tool = messages.find((m) => m.role === 'tool' && m.tool_call_id === call.id);
      const args = JSON.parse(String(asJson(call.function).arguments)) as { command?: unknown };
      return { id: String(call.id), command: String(args.command), output: tool && printed(tool.content) };
    });
}

if (!IN_CLAUDE_CODE_SUITE) {
  test.todo('runs in the Claude Code suite only: npm run test:claude-code');
} else {
  const fakes = useFakes();
  const host = useHost(fakes, { prepare: claudeBinary });
  /** The host's request.end events, emptied before each run. */
  const { ends } = host;

  /**
   * Claude Code runs a `Bash` tool loop on `side` through the host (continuing the session's last
   * conversation with `continue`), and finishes: the command ran, its output went back, the answer
   * made from it arrived. Only the side's fake was asked, twice, on its path, with its key.
   */
  async function toolLoopOn(
    side: Side,
    prompt: string,
    command: string,
    output: string,
    session: ClaudeSession,
    continued = false,
  ): Promise<{ run: ClaudeRun; sent: RecordedRequest[] }> {
    fakes.reset();
    const fake = fakes[side.provider];
    fake.handler = side.handler(fake);
    ends.length = 0;
    const run = await runClaude({ baseUrl: host.url, model: side.model, prompt, token: CLAUDE_TOKEN, session, continue: continued });
    expectSuccess(run);
    expect(run.assistantBlocks).toContainEqual(
      expect.objectContaining({ type: 'tool_use', name: BASH_TOOL, input: expect.objectContaining({ command }) }),
    );
    expect(run.toolResults).toEqual([expect.objectContaining({ is_error: false, content: expect.stringContaining(output) })]);
    expect(run.result?.result).toBe(afterToolText(output));
    // Claude Code is told the model it asked for.
    for (const event of run.events.filter((e) => e.type === 'assistant')) expect(asJson(event.message).model).toBe(side.model);
    // Two model turns, both answered by the side's provider (none refused), each with one request.end.
    expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual([`POST ${side.path}`, `POST ${side.path}`]);
    expect(ends).toHaveLength(2);
    for (const end of ends) {
      expect(end).toMatchObject({
        provider: side.provider,
        endpoint: 'messages',
        model: side.model,
        upstreamModel: side.upstreamModel,
        outcome: 'ok',
        status: 200,
      });
    }
    for (const request of fake.requests) expect(request.body?.model).toBe(side.upstreamModel);
    const sentText = everythingSent(fakes.all());
    expect(sentText).not.toContain(CLAUDE_TOKEN);
    if (side.provider !== 'local') expect(sentText).toContain(KEYS[side.provider]);
    return { run, sent: [...fake.requests] };
  }

  /** The session id Claude Code reports in its `system` `init` event. */
  const sessionIdOf = (run: ClaudeRun): unknown => run.events.find((e) => e.type === 'system' && e.subtype === 'init')?.session_id;

  /** What one move did: A's first turn, B's continued turn, and the conversation B got in its last request. */
  interface Move {
    first: ClaudeRun;
    moved: ClaudeRun;
    /** What B received: both requests of its tool loop. */
    sent: RecordedRequest[];
    /** The calls of B's last request, A's first. */
    calls: SentCall[];
  }

  /**
   * A session moved from `a` to `b`: a tool loop on A (asked to think), then the same session
   * continued on B with another tool loop. B's last request holds both calls, each paired with its
   * output, under ids that differ.
   */
  async function move(a: Side, b: Side): Promise<Move> {
    const session = newSession();
    try {
      const { run: first } = await toolLoopOn(a, `${TOOL_PROMPT} ${THINK_MARK}`, TOOL_COMMAND, TOOL_OUTPUT, session);
      const { run: moved, sent } = await toolLoopOn(b, MOVED_PROMPT, MOVED_COMMAND, MOVED_OUTPUT, session, true);
      // The same session, continued.
      expect(sessionIdOf(first)).toEqual(expect.any(String));
      expect(sessionIdOf(moved)).toBe(sessionIdOf(first));
      // B's first request already holds A's tool loop, paired; its last holds B's own after it.
      const before = callsIn(b.dialect, sent[0]!.body!);
      expect(before.map(({ command, output }) => [command, output])).toEqual([[TOOL_COMMAND, TOOL_OUTPUT]]);
      const calls = callsIn(b.dialect, sent[1]!.body!);
      expect(calls.map(({ command, output }) => [command, output])).toEqual([
        [TOOL_COMMAND, TOOL_OUTPUT],
        [MOVED_COMMAND, MOVED_OUTPUT],
      ]);
      expect(calls[0]!.id).toBe(before[0]!.id);
      expect(new Set(calls.map((call) => call.id)).size).toBe(2);
      return { first, moved, sent, calls };
    } finally {
      session.remove();
    }
  }

  /** The id Claude Code holds for the first `Bash` call of a run. */
  const firstCallId = (run: ClaudeRun): string => String(run.assistantBlocks.find((block) => block.type === 'tool_use')!.id);

  /** The thinking blocks of the assistant turns of a Messages request. */
  const thinkingSent = (body: Json): Json[] =>
    asArray(body.messages)
      .map(asJson)
      .filter((m) => m.role === 'assistant')
      .flatMap((m) => asArray(m.content).map(asJson))
      .filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking');

  describe('from Kimi behind OpenRouter, whose functions.Bash:0 ids the router replaces with longer ids of its own that carry them', () => {
    /** The id Kimi gives its first call of every answer. */
    const KIMI_ID = KIMI_K2.callId(BASH_TOOL, 0);

    test('to OpenAI: the carried id, over 40 characters, reaches OpenAI short enough for it, its call and output still paired', async () => {
      const { first, calls, sent } = await move(KIMI, OPENAI);
      // What makes the path: Claude Code holds an id OpenAI would refuse as it is.
      const held = firstCallId(first);
      expect(held.length).toBeGreaterThan(OPENAI_MAX_ID);
      for (const request of sent) {
        for (const call of callsIn('chat', request.body!)) expect(call.id.length).toBeLessThanOrEqual(OPENAI_MAX_ID);
      }
      // Neither the router's id nor Kimi's reaches OpenAI for Kimi's call.
      expect(calls[0]!.id).not.toBe(held);
      expect(calls[0]!.id).not.toBe(KIMI_ID);
    });

    test('to Anthropic: every tool_use id is one Anthropic takes, each result paired with its call', async () => {
      const { first, calls } = await move(KIMI, ANTHROPIC);
      // Passed through: the id Claude Code holds (the router's, not Kimi's), which Anthropic's pattern takes.
      const held = firstCallId(first);
      expect(held).not.toBe(KIMI_ID);
      expect(calls[0]!.id).toBe(held);
      for (const call of calls) expect(call.id).toMatch(ANTHROPIC_TOOL_USE_ID);
    });

    test("to llama-server: the tool loop goes on over llama-server's Messages endpoint, the call and its output paired", async () => {
      const { first, calls } = await move(KIMI, LOCAL);
      expect(calls[0]!.id).toBe(firstCallId(first));
    });
  });

  describe('from Gemini 3 behind OpenRouter, whose thought signatures ride in the thinking the router signs', () => {
    test("to Anthropic: no thinking Anthropic did not sign, and nothing of Gemini's signatures, reaches it", async () => {
      const { first, sent } = await move(GEMINI, ANTHROPIC);
      // Gemini reasoned on its turns, and Claude Code kept that thinking under the router's signature.
      const thought = first.assistantBlocks.filter((block) => block.type === 'thinking');
      expect(thought.length).toBeGreaterThan(0);
      for (const block of thought) expect(String(block.signature)).toMatch(/^epr1\./);
      for (const request of sent) {
        for (const block of thinkingSent(request.body!)) expect(String(block.signature)).toMatch(/^Eq/);
        expect(request.rawBody).not.toContain('epr1.');
        expect(request.rawBody).not.toContain('google-gemini-v1');
      }
    });

    test("to OpenAI: the tool loop goes on translated, and Gemini's thought signatures stay with Gemini", async () => {
      const { sent } = await move(GEMINI, OPENAI);
      for (const request of sent) {
        expect(request.rawBody).not.toContain('google-gemini-v1');
        for (const message of asArray(request.body!.messages).map(asJson)) expect(message.reasoning_details).toBeUndefined();
      }
    });
  });

  describe("from Anthropic, whose thinking it signs and whose tool_use ids are toolu_'s", () => {
    test("to Kimi behind OpenRouter: the tool loop goes on translated, Anthropic's call under its toolu_ id and Kimi's under Kimi's own", async () => {
      const { first, moved, calls } = await move(ANTHROPIC, KIMI);
      expect(first.assistantBlocks.filter((block) => block.type === 'thinking').length).toBeGreaterThan(0);
      // Anthropic's id goes on as Claude Code holds it; Kimi's call, which Claude Code holds under the
      // router's id, goes back to Kimi as Kimi gave it.
      expect(calls[0]!.id).toBe(firstCallId(first));
      expect(firstCallId(moved)).not.toBe(KIMI_K2.callId(BASH_TOOL, 0));
      expect(calls[1]!.id).toBe(KIMI_K2.callId(BASH_TOOL, 0));
    });

    test('to OpenAI: the tool loop goes on translated, its ids and pairing as OpenAI takes them', async () => {
      const { first, calls } = await move(ANTHROPIC, OPENAI);
      expect(first.assistantBlocks.filter((block) => block.type === 'thinking').length).toBeGreaterThan(0);
      expect(calls[0]!.id).toBe(firstCallId(first));
    });
  });
}
