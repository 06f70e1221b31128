/**
 * The real Codex CLI through the router (CODEX_THROUGH_ROUTER=1): a session that moves from one
 * provider to another mid-conversation, as a user does who resumes it with another model
 * (`codex exec resume --last` with `model` changed, as `-m` does). The Claude Code suite's
 * `claude-code-provider-switch.test.ts` does the same for Claude Code.
 *
 * Each session opens on provider A with a turn that reasons and calls tools in parallel: Codex's
 * custom `apply_patch` tool (for the models its catalog knows), `exec_command`, and a local MCP
 * server's tool (a `namespace` tool); then the answer. The same session, resumed on provider B,
 * reasons and runs another command. Codex asks every time for `reasoning.encrypted_content`, and
 * gets back what each route keeps there: OpenAI's own encrypted reasoning, the router's envelope
 * (DESIGN section 10) for the bridged and translated routes.
 *
 * The fakes refuse what each real API refuses: OpenAI's Responses API what it refuses in a
 * stateless conversation (`responses-items.ts`: item id prefixes, long call ids, encrypted content
 * it did not issue, a reasoning item it would have to look up), Anthropic thinking it did not sign
 * and tool blocks whose ids or pairing it refuses. Each request is checked for what must reach the
 * provider and what must not: another provider's reasoning, signatures and envelopes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedRequest } from '../support/fake-upstream';
import { pathOf } from '../support/fake-server';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { EXEC_TOOL, TOOL_OUTPUT } from '../support/agent-upstreams';
import { ANTHROPIC_AGENT_SIGNATURE, ANTHROPIC_TOOL_USE_ID } from '../support/messages-wire';
import { everythingSent } from '../support/recorded-requests';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { asArray, asJson, type Json } from '../support/json-shape';
import { describeRun, newCodexSession, runCodex, type CodexRun, type CodexSession, IN_CODEX_SUITE, THROUGH_ROUTER } from './codex';
import { mcpAnswer, mcpServerConfig } from './mcp-server';
import {
  ANTHROPIC,
  callsIn,
  chatAssistants,
  DEEPSEEK,
  finalText,
  FIRST_PROMPT,
  isLookup,
  LOCAL,
  LOOKED_UP,
  MCP_NAMESPACE,
  MCP_SERVER,
  MCP_TOOL,
  MOVED_OUTPUT,
  MOVED_PROMPT,
  NOTES_AFTER,
  NOTES_BEFORE,
  offeredIn,
  OPENAI,
  OPENAI_ENCRYPTED,
  OPENROUTER,
  OPENROUTER_ENCRYPTED,
  ROUTER_ENVELOPE,
  thinkingSent,
  type Side,
} from './provider-sides';

if (!IN_CODEX_SUITE) {
  test.todo('runs in the Codex suite only: bash scripts/install-codex.sh, then jest -c jest.codex.config.js');
} else if (!THROUGH_ROUTER) {
  test.todo('through the router: set CODEX_THROUGH_ROUTER=1');
} else {
  describe('the Codex CLI: a session moved between providers mid-conversation', () => {
    const fakes = useFakes();
    let session: CodexSession;
    /** The bodies Codex sent the host, before the router read them; emptied before each turn. */
    const codexSent: Json[] = [];
    const host = useHost(fakes, {
      host: {
        // A host that parses JSON itself, as many do: the router takes the parsed body, and the test sees what Codex sent.
        jsonFirst: true,
        before: (app) =>
          app.use((req, _res, next) => {
            if (req.path.endsWith('/responses')) codexSent.push(structuredClone(req.body as Json));
            next();
          }),
      },
    });
    const { ends } = host;
    beforeEach(() => {
      session = newCodexSession();
      writeFileSync(join(session.workDir, 'notes.txt'), NOTES_BEFORE);
    });
    afterEach(() => rmSync(session.root, { recursive: true, force: true }));

    /** What one turn did: the run, what the side's fake received, and what Codex sent the host. */
    interface Turn {
      run: CodexRun;
      sent: RecordedRequest[];
      codex: Json[];
    }

    /**
     * One turn on `side` (the session's first, or resumed): Codex runs the tools the model calls and
     * shows its answer. Two model requests, both to the side's fake, on its path, with its key, each
     * answered; Codex asked for the encrypted reasoning each time.
     */
    async function turnOn(side: Side, prompt: string, resume: boolean): Promise<Turn> {
      fakes.reset();
      codexSent.length = 0;
      ends.length = 0;
      const fake = fakes[side.provider];
      fake.handler = side.handler(fake);
      const run = await runCodex({
        baseUrl: `${host.url}/v1`,
        model: side.model,
        prompt,
        token: CLIENT_TOKEN,
        session,
        resume,
        sandbox: 'workspace-write',
        mcp: mcpServerConfig(session.root, MCP_SERVER, MCP_TOOL),
        extraConfig: 'model_reasoning_effort = "high"',
      });
      if (run.exitCode !== 0 || run.errors.length > 0 || run.timedOut) throw new Error(`Codex failed on ${side.name}:\n${describeRun(run)}`);
      expect(run.finalMessage).toBe(finalText(side));
      expect(fakes.received().map((r) => `${r.method} ${pathOf(r)}`)).toEqual([`POST ${side.path}`, `POST ${side.path}`]);
      expect(ends.map((end) => [end.provider, end.endpoint, end.outcome, end.status])).toEqual(
        Array(2).fill([side.provider, 'responses', 'ok', 200]),
      );
      for (const request of fake.requests) expect(request.body?.model).toBe(side.upstreamModel);
      const everything = everythingSent(fakes.all());
      expect(everything).not.toContain(CLIENT_TOKEN);
      if (side.provider !== 'local') expect(everything).toContain(KEYS[side.provider]);
      // As Codex sends every request: stateless, asking for the reasoning it is to send back.
      expect(codexSent).toHaveLength(2);
      for (const body of codexSent) expect(body).toMatchObject({ store: false, include: ['reasoning.encrypted_content'] });
      return { run, sent: [...fake.requests], codex: [...codexSent] };
    }

    /** The session's first turn on `side`: `exec_command` and the side's tools called in one answer, each run, each output sent back paired. */
    async function firstTurn(side: Side): Promise<Turn> {
      const turn = await turnOn(side, FIRST_PROMPT, false);
      const { run } = turn;
      const offered = offeredIn(turn.sent[0]!.body!.tools);
      expect(offered.some((tool) => tool.name === 'apply_patch')).toBe(side.tools.includes('apply_patch'));
      expect(offered.some(isLookup)).toBe(side.tools.includes('lookup'));
      expect(run.commands.map((command) => command.output.trim())).toEqual([TOOL_OUTPUT]);
      expect(readFileSync(join(session.workDir, 'notes.txt'), 'utf8')).toBe(side.tools.includes('apply_patch') ? NOTES_AFTER : NOTES_BEFORE);
      const completed = run.events.filter((event) => event.type === 'item.completed').map((event) => asJson(event.item));
      if (side.tools.includes('apply_patch')) expect(completed).toContainEqual(expect.objectContaining({ type: 'file_change', status: 'completed' }));
      if (side.tools.includes('lookup')) {
        expect(completed).toContainEqual(expect.objectContaining({ type: 'mcp_tool_call', server: MCP_SERVER, tool: MCP_TOOL, status: 'completed' }));
      }
      const calls = callsIn(turn.sent[1]!.body!);
      expect(calls).toHaveLength(1 + side.tools.length);
      for (const call of calls) expect(call.output).toEqual(expect.any(String));
      if (side.tools.includes('lookup')) expect(calls.map((call) => call.output).join('\n')).toContain(mcpAnswer(LOOKED_UP));
      if (side.tools.includes('apply_patch')) expect(calls.map((call) => call.output).join('\n')).toContain('Success. Updated the following files');
      // Codex kept the reasoning item, to send it back.
      expect(asArray(turn.codex[1]!.input).filter((item) => asJson(item).type === 'reasoning')).toHaveLength(1);
      return turn;
    }

    /** The resumed turn on `side`: it runs the moved command; its requests hold the first turn's calls and outputs, paired. */
    async function movedTurn(side: Side, earlierCalls: number): Promise<Turn> {
      const turn = await turnOn(side, MOVED_PROMPT, true);
      expect(turn.run.commands.map((command) => command.output.trim())).toEqual([MOVED_OUTPUT]);
      const [first, last] = turn.sent.map((request) => callsIn(request.body!));
      expect(first).toHaveLength(earlierCalls);
      expect(last).toHaveLength(earlierCalls + 1);
      for (const call of last!) expect(call.output).toEqual(expect.any(String));
      expect(last!.at(-1)!.output).toContain(MOVED_OUTPUT);
      expect(new Set(last!.map((call) => call.id)).size).toBe(last!.length);
      return turn;
    }

    /** The encrypted content of the reasoning items Codex sent (OpenAI's own and the router's envelopes). */
    const encryptedSent = (body: Json): string[] =>
      asArray(body.input)
        .map(asJson)
        .filter((item) => item.type === 'reasoning')
        .map((item) => String(item.encrypted_content));

    test('llama-server (bridged) -> Anthropic (translated, thinking on) -> llama-server: each gets back its own reasoning, and nothing of the other', async () => {
      const first = await firstTurn(LOCAL);
      // The bridge's reasoning goes back to llama-server as reasoning_content, from its envelope.
      expect(chatAssistants(first.sent[1]!.body!)[0]).toMatchObject({ reasoning_content: LOCAL.reasoning });
      expect(encryptedSent(first.codex[1]!)[0]).toMatch(/^epr1\./);

      const anthropic = await movedTurn(ANTHROPIC, 2);
      for (const request of anthropic.sent) {
        // Thinking stays on: the last assistant turn is an answer, or Anthropic's own tool turn with its signed thinking.
        expect(request.body!.thinking).toMatchObject({ type: 'adaptive' });
        // Only the thinking Anthropic signed comes back to it; llama-server's reasoning and the router's envelopes do not.
        for (const block of thinkingSent(request.body!))
          expect(block).toMatchObject({ signature: ANTHROPIC_AGENT_SIGNATURE, thinking: ANTHROPIC.reasoning });
        expect(request.rawBody).not.toContain(LOCAL.reasoning);
        expect(request.rawBody).not.toContain(ROUTER_ENVELOPE);
        for (const call of callsIn(request.body!)) expect(call.id).toMatch(ANTHROPIC_TOOL_USE_ID);
      }
      // apply_patch, which Codex does not offer this model, goes back as the call it was.
      expect(callsIn(anthropic.sent[0]!.body!).map((call) => call.name)).toContain('apply_patch');
      expect(thinkingSent(anthropic.sent[1]!.body!)).toHaveLength(1);

      const back = await movedTurn(LOCAL, 3);
      const body = back.sent[1]!.body!;
      // llama-server's own reasoning restored on its turns; Anthropic's thinking as text only, its signature left out.
      const reasoned = chatAssistants(body)
        .filter((message) => message.tool_calls !== undefined)
        .map((message) => message.reasoning_content);
      expect(reasoned).toEqual([LOCAL.reasoning, ANTHROPIC.reasoning, LOCAL.reasoning]);
      for (const request of back.sent) {
        expect(request.rawBody).not.toContain(ANTHROPIC_AGENT_SIGNATURE);
        expect(request.rawBody).not.toContain(ROUTER_ENVELOPE);
        expect(request.rawBody).not.toContain('reasoning_details');
      }
    });

    test('Anthropic (translated) -> OpenAI (native): no envelope or signed thinking reaches OpenAI, and every item the router made is one OpenAI takes', async () => {
      const first = await firstTurn(ANTHROPIC);
      expect(thinkingSent(first.sent[1]!.body!)).toEqual([expect.objectContaining({ signature: ANTHROPIC_AGENT_SIGNATURE })]);

      const openai = await movedTurn(OPENAI, 2);
      const routerMade = asArray(openai.codex[0]!.input)
        .map(asJson)
        .filter((item) => ['reasoning', 'function_call', 'message'].includes(String(item.type)) && item.role !== 'user' && item.role !== 'developer');
      // What Codex holds from Anthropic's turn: the router's reasoning items (their envelopes), the calls and the answer.
      expect(routerMade.map((item) => item.type)).toEqual(['reasoning', 'function_call', 'function_call', 'reasoning', 'message']);
      expect(routerMade.filter((item) => item.type === 'reasoning').map((item) => String(item.encrypted_content))).toEqual([
        expect.stringMatching(/^epr1\./),
        expect.stringMatching(/^epr1\./),
      ]);
      for (const request of openai.sent) {
        expect(request.rawBody).not.toContain(ROUTER_ENVELOPE);
        expect(request.rawBody).not.toContain(ANTHROPIC_AGENT_SIGNATURE);
        expect(request.rawBody).not.toContain(ANTHROPIC.reasoning);
        const items = asArray(request.body!.input).map(asJson);
        // The router's calls and answer go on as Codex holds them, ids and call_ids included.
        for (const made of routerMade.filter((item) => item.type !== 'reasoning')) expect(items).toContainEqual(made);
      }
      // OpenAI's own reasoning goes back to it, with its encrypted content.
      const own = asArray(openai.sent[1]!.body!.input)
        .map(asJson)
        .filter((item) => item.type === 'reasoning');
      expect(own).toEqual([expect.objectContaining({ encrypted_content: expect.stringMatching(/^gAAAAAB/) as unknown })]);
    });

    test.each([
      ['llama-server (bridged)', LOCAL],
      ['Anthropic (translated)', ANTHROPIC],
    ])("OpenAI (native) -> %s: OpenAI's encrypted reasoning goes back to OpenAI only, its summary where DESIGN carries it", async (_name, to) => {
      const first = await firstTurn(OPENAI);
      expect(encryptedSent(first.codex[1]!)[0]).toMatch(/^gAAAAAB/);

      const moved = await movedTurn(to, 2);
      for (const request of moved.sent) {
        expect(request.rawBody).not.toContain(OPENAI_ENCRYPTED);
        expect(request.rawBody).not.toContain(ROUTER_ENVELOPE);
      }
      const body = moved.sent[1]!.body!;
      if (to === LOCAL) {
        // The summary of OpenAI's reasoning is its calling turn's reasoning_content; llama-server's own on its turn.
        const reasoned = chatAssistants(body)
          .filter((message) => message.tool_calls !== undefined)
          .map((message) => message.reasoning_content);
        expect(reasoned).toEqual([OPENAI.reasoning, LOCAL.reasoning]);
      } else {
        // Anthropic takes only thinking it signed: OpenAI's summary cannot go as thinking.
        expect(moved.sent[0]!.rawBody).not.toContain(OPENAI.reasoning);
        expect(thinkingSent(body)).toEqual([expect.objectContaining({ signature: ANTHROPIC_AGENT_SIGNATURE })]);
      }
    });

    test("Kimi behind OpenRouter (native) -> Anthropic (translated): OpenRouter's reasoning stays with it, Kimi's call ids reach Anthropic as ids it takes", async () => {
      const first = await firstTurn(OPENROUTER);
      expect(encryptedSent(first.codex[1]!)[0]).toMatch(/^openrouter-reasoning-/);
      const kimiIds = callsIn(first.sent[1]!.body!).map((call) => call.id);
      expect(kimiIds.every((id) => id.startsWith('functions.'))).toBe(true);
      // The MCP tool's call, as Codex holds it: the namespace and the plain name.
      expect(asArray(first.codex[1]!.input)).toContainEqual(
        expect.objectContaining({ type: 'function_call', namespace: MCP_NAMESPACE, name: MCP_TOOL }),
      );

      const anthropic = await movedTurn(ANTHROPIC, 2);
      for (const request of anthropic.sent) {
        expect(request.rawBody).not.toContain(OPENROUTER_ENCRYPTED);
        expect(request.rawBody).not.toContain(OPENROUTER.reasoning);
        expect(request.rawBody).not.toContain(ROUTER_ENVELOPE);
        for (const call of callsIn(request.body!)) expect(call.id).toMatch(ANTHROPIC_TOOL_USE_ID);
      }
      // Kimi's namespace call reaches Anthropic under the flattened name of the tool Anthropic is offered.
      expect(callsIn(anthropic.sent[0]!.body!).map((call) => call.name)).toEqual([EXEC_TOOL, `${MCP_NAMESPACE}__${MCP_TOOL}`]);
      // The first request: the last assistant turn is Kimi's answer, so thinking stays on.
      expect(anthropic.sent[0]!.body!.thinking).toMatchObject({ type: 'adaptive' });
      expect(thinkingSent(anthropic.sent[1]!.body!)).toEqual([expect.objectContaining({ signature: ANTHROPIC_AGENT_SIGNATURE })]);
    });

    test("DeepSeek behind OpenRouter (native) -> OpenAI (native): OpenRouter's reasoning items, which OpenAI would have to look up, are left out", async () => {
      const first = await firstTurn(DEEPSEEK);
      // What Codex holds: OpenRouter's reasoning item, its text and no encrypted content.
      const held = asArray(first.codex[1]!.input)
        .map(asJson)
        .filter((item) => item.type === 'reasoning');
      expect(held).toEqual([expect.objectContaining({ summary: [{ type: 'summary_text', text: DEEPSEEK.reasoning }], encrypted_content: null })]);

      const openai = await movedTurn(OPENAI, 2);
      for (const request of openai.sent) expect(request.rawBody).not.toContain(DEEPSEEK.reasoning);
      // OpenAI's own reasoning goes back to it.
      const own = asArray(openai.sent[1]!.body!.input)
        .map(asJson)
        .filter((item) => item.type === 'reasoning');
      expect(own).toEqual([expect.objectContaining({ encrypted_content: expect.stringMatching(/^gAAAAAB/) as unknown })]);
    });
  });
}
