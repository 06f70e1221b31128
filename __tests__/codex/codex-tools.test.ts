/**
 * The real Codex CLI's tools through the router (CODEX_THROUGH_ROUTER=1), on the routes that
 * translate them: llama-server and OpenRouter (`OPENROUTER_RESPONSES=chat`) bridged through chat
 * completions, Anthropic translated to Messages. Codex's `apply_patch` editing a real file, parallel
 * calls and several tool rounds in one turn, and the tools of a local MCP server (a namespace tool).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedRequest } from '../support/fake-server';
import type { ProviderId } from '../support/fake-upstream';
import { CLIENT_TOKEN } from '../support/keys';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { agentFor, afterToolsText, type AgentCall, type AgentTurn } from '../support/agent-upstreams';
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
import { mcpAnswer, mcpServerConfig } from './mcp-server';

type Json = Record<string, unknown>;

/** Fails with the run's whole story unless Codex finished its turn: exit 0, no error event. */
function expectSuccess(run: CodexRun): void {
  if (run.exitCode !== 0 || run.errors.length > 0 || run.timedOut) throw new Error(`Codex failed:\n${describeRun(run)}`);
}

/** The translated routes, each with the model id the upstream gets for `gpt-5.5`. */
const PROVIDERS = ['local', 'anthropic', 'openrouter'] as const;

/** The tools of a chat or Messages request, by name, with their description. */
function toolsOf(body: Json): { name: string; description: string; parameters: unknown }[] {
  return ((body.tools ?? []) as Json[]).map((tool) => {
    const fn = (tool.function ?? tool) as Json;
    return { name: String(fn.name), description: String(fn.description ?? ''), parameters: fn.parameters ?? fn.input_schema };
  });
}

/** The tool outputs a chat or Messages request carries: chat's tool messages, Messages' tool_result blocks. */
function toolOutputsOf(body: Json): { id: string; content: string }[] {
  return (body.messages as Json[]).flatMap((message) => {
    if (message.role === 'tool') return [{ id: String(message.tool_call_id), content: JSON.stringify(message.content) }];
    if (!Array.isArray(message.content)) return [];
    return (message.content as Json[])
      .filter((block) => block.type === 'tool_result')
      .map((block) => ({ id: String(block.tool_use_id), content: JSON.stringify(block.content) }));
  });
}

/** The calls a chat or Messages request's assistant turns carry, by id. */
function callIdsOf(body: Json): string[] {
  return (body.messages as Json[]).flatMap((message) => {
    if (message.role !== 'assistant') return [];
    if (Array.isArray(message.tool_calls)) return (message.tool_calls as Json[]).map((call) => String(call.id));
    if (!Array.isArray(message.content)) return [];
    return (message.content as Json[]).filter((block) => block.type === 'tool_use').map((block) => String(block.id));
  });
}

const shellCall = (cmd: string): AgentCall => ({ name: 'exec_command', arguments: JSON.stringify({ cmd }) });

if (!IN_CODEX_SUITE) {
  test.todo('runs in the Codex suite only: bash scripts/install-codex.sh, then jest -c jest.codex.config.js');
} else if (!THROUGH_ROUTER) {
  test.todo('through the router: set CODEX_THROUGH_ROUTER=1');
} else {
  describe("the Codex CLI's tools through the router, on the translated routes", () => {
    const fakes = useFakes();
    const host = useHost(fakes, { env: { OPENROUTER_RESPONSES: 'chat' } });
    let session: CodexSession;
    beforeEach(() => {
      session = newCodexSession();
    });
    afterEach(() => rmSync(session.root, { recursive: true, force: true }));

    /** Codex on `provider` in this test's session; the fake plays `script`'s turns. */
    async function codexOn(provider: ProviderId, model: string, script: (body: Json) => AgentTurn | undefined, options: Partial<CodexRunOptions>) {
      fakes[provider].handler = agentFor(fakes[provider], script);
      const run = await runCodex({ baseUrl: `${host.url}/v1`, model: `${provider}/${model}`, prompt: '', token: CLIENT_TOKEN, session, ...options });
      expectSuccess(run);
      return { run, sent: fakes[provider].requests.map((request: RecordedRequest) => request.body!) };
    }

    describe.each(PROVIDERS)('%s', (provider) => {
      test("apply_patch, Codex's custom tool, edits a file in the working directory; its result goes back paired with the call", async () => {
        const patch = '*** Begin Patch\n*** Update File: notes.txt\n@@\n-old line\n+new line\n*** End Patch\n';
        writeFileSync(join(session.workDir, 'notes.txt'), 'old line\n');
        // Codex offers apply_patch to the models it knows: gpt-5.5, whichever provider serves it.
        const { run, sent } = await codexOn(
          provider,
          'gpt-5.5',
          (body) =>
            toolOutputsOf(body).length === 0
              ? { kind: 'call', calls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] }
              : { kind: 'text', text: 'Patched.' },
          { prompt: 'Change the line in notes.txt.', sandbox: 'workspace-write' },
        );
        expect(readFileSync(join(session.workDir, 'notes.txt'), 'utf8')).toBe('new line\n');
        expect(run.events).toContainEqual(
          expect.objectContaining({ type: 'item.completed', item: expect.objectContaining({ type: 'file_change', status: 'completed' }) }),
        );
        expect(run.finalMessage).toBe('Patched.');
        // Offered as a function with one string parameter, `input`.
        const applyPatch = toolsOf(sent[0]!).find((tool) => tool.name === 'apply_patch');
        expect(applyPatch?.parameters).toMatchObject({ properties: { input: { type: 'string' } }, required: ['input'] });
        expect(sent).toHaveLength(2);
        const [output] = toolOutputsOf(sent[1]!);
        expect(callIdsOf(sent[1]!)).toEqual([output!.id]);
        expect(output!.content).toContain('Success. Updated the following files:');
      });

      test('parallel calls, several tool rounds in one turn and a long output: every output goes back paired with its call', async () => {
        const { run, sent } = await codexOn(
          provider,
          'gpt-5.5',
          (body) => {
            const outputs = toolOutputsOf(body).length;
            if (outputs === 0) return { kind: 'call', calls: [shellCall('echo one'), shellCall('echo two')] };
            if (outputs === 2) return { kind: 'call', calls: [shellCall('seq 1 30000')] };
            if (outputs === 3) return { kind: 'call', calls: [shellCall('echo three'), shellCall('false'), shellCall('echo four')] };
            return { kind: 'text', text: afterToolsText(['all done']) };
          },
          { prompt: 'Run the checks.' },
        );
        expect(run.commands.map((command) => [command.command.replace(/^\/bin\/bash -c /, '').replace(/'/g, ''), command.exitCode])).toEqual(
          expect.arrayContaining([
            ['echo one', 0],
            ['echo two', 0],
            ['seq 1 30000', 0],
            ['echo three', 0],
            ['false', 1],
            ['echo four', 0],
          ]),
        );
        expect(run.finalMessage).toBe(afterToolsText(['all done']));
        expect(sent).toHaveLength(4);
        const last = sent[3]!;
        const outputs = toolOutputsOf(last);
        expect(outputs).toHaveLength(6);
        // Each output answers a call of the conversation, and no two share an id.
        expect(new Set(outputs.map((output) => output.id)).size).toBe(6);
        expect(callIdsOf(last).sort()).toEqual(outputs.map((output) => output.id).sort());
        expect(outputs.map((output) => /\\n(one|two|three|four)\\n/.exec(output.content)?.[1] ?? '')).toEqual([
          'one',
          'two',
          '',
          'three',
          '',
          'four',
        ]);
        expect(outputs[2]!.content).toContain('29999');
        expect(outputs[4]!.content).toContain('exited with code 1');
      });

      test.each([
        ['notes', 'lookup'],
        // Codex names its namespace mcp__github_enterprise_server, its tool list_pull_request_review_comments_for_repository.
        ['github-enterprise-server', 'list_pull_request_review_comments_for.repository'],
      ])("a local MCP server's tool (server %s, tool %s): offered, called, and its result back to the model", async (server, tool) => {
        const { run, sent } = await codexOn(
          provider,
          'qwen-coder',
          (body) => {
            const offered = toolsOf(body).find((t) => t.description.includes('Looks a key up in the notes.'));
            if (toolOutputsOf(body).length > 0 || !offered) return undefined;
            return { kind: 'call', calls: [{ name: offered.name, arguments: JSON.stringify({ key: 'alpha' }) }] };
          },
          { prompt: 'Look up alpha in the notes.', mcp: mcpServerConfig(session.root, server, tool) },
        );
        expect(run.events).toContainEqual({
          type: 'item.completed',
          item: expect.objectContaining({ type: 'mcp_tool_call', server, tool, status: 'completed', error: null }) as unknown,
        });
        expect(run.finalMessage).toBe(afterToolsText([mcpAnswer('alpha')]));
        expect(sent).toHaveLength(2);
        // Every name one the provider takes (OpenAI's rule, which OpenRouter's models and Anthropic share).
        for (const offered of toolsOf(sent[0]!)) expect(offered.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
        expect(toolOutputsOf(sent[1]!)[0]!.content).toContain(mcpAnswer('alpha'));
      });
    });
  });
}
