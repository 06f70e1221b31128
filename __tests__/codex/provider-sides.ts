/**
 * The providers a Codex session moves between in `codex-provider-switch.test.ts`, and the turns
 * their fakes play: the first turn reasons and calls the tools Codex offers (its custom
 * `apply_patch`, `exec_command`, a local MCP server's namespace tool) in one answer, then answers;
 * the turn after the move reasons, runs another command, and answers. Each side answers in its
 * provider's wire format (chat completions, Messages, Responses) and refuses what its API refuses.
 * Also the readers of what the fakes received, in the three dialects.
 */
import type { FakeHandler, FakeUpstream, ProviderId } from '../support/fake-upstream';
import { pathOf } from '../support/fake-server';
import { agentFor, EXEC_TOOL, THINK_MARK, TOOL_COMMAND, type AgentCall, type AgentTurn } from '../support/agent-upstreams';
import { anthropicToolProblem, sendMessagesInvalid } from '../support/messages-wire';
import { scriptedResponsesApi, type ScriptedItem } from '../support/responses-items';
import { asArray, asJson, type Json } from '../support/json-shape';

// ---------------------------------------------------------------- the session's turns

/** The first turn's prompt: patch a file, run a command, look a note up. */
export const FIRST_PROMPT = `Patch notes.txt, run \`${TOOL_COMMAND}\` and look up alpha. ${THINK_MARK}`;
/** The turn after the move, and what its command prints. */
export const MOVED_COMMAND = 'echo moved-ran-ok';
export const MOVED_OUTPUT = 'moved-ran-ok';
export const MOVED_PROMPT = `Run \`${MOVED_COMMAND}\` in the shell.`;
/** The patch `apply_patch` applies, and the file before and after. */
export const PATCH = '*** Begin Patch\n*** Update File: notes.txt\n@@\n-old line\n+new line\n*** End Patch\n';
export const NOTES_BEFORE = 'old line\n';
export const NOTES_AFTER = 'new line\n';
/** The local MCP server and its tool: Codex offers it as tool `lookup` of namespace `mcp__notes`. */
export const MCP_SERVER = 'notes';
export const MCP_TOOL = 'lookup';
export const MCP_NAMESPACE = `mcp__${MCP_SERVER}`;
export const MCP_DESCRIPTION = 'Looks a key up in the notes.';
export const LOOKED_UP = 'alpha';

/** What a side's model says once the tools' outputs came back. */
export const finalText = (side: Side): string => `Done on ${side.name}.`;

/** The tools a turn calls: which the model picks for the prompt, from those offered. */
export type ToolPick = { tool: 'apply_patch' } | { tool: 'exec'; command: string } | { tool: 'lookup' };

/** What the model does for a request: call tools (the prompt asked), or answer (the outputs came back). */
export function picksFor(asked: string | undefined, offered: OfferedTool[]): ToolPick[] | undefined {
  if (asked === undefined) return undefined;
  if (asked.includes(MOVED_COMMAND)) return [{ tool: 'exec', command: MOVED_COMMAND }];
  const picks: ToolPick[] = [];
  if (offered.some((tool) => tool.name === 'apply_patch')) picks.push({ tool: 'apply_patch' });
  picks.push({ tool: 'exec', command: TOOL_COMMAND });
  if (offered.some(isLookup)) picks.push({ tool: 'lookup' });
  return picks;
}

/** A tool a request offers: its name as the provider sees it (a namespace's tool under its namespace), and description. */
export interface OfferedTool {
  name: string;
  description: string;
  namespace?: string;
}

/** The MCP server's tool, flattened or not (Codex may put more in its description). */
export const isLookup = (tool: OfferedTool): boolean => tool.description.includes(MCP_DESCRIPTION);

export const offeredIn = (tools: unknown): OfferedTool[] =>
  asArray(tools)
    .map(asJson)
    .flatMap((tool): OfferedTool[] => {
      if (tool.type === 'namespace') {
        return asArray(tool.tools)
          .map(asJson)
          .map((inner) => ({ name: String(inner.name), description: String(inner.description ?? ''), namespace: String(tool.name) }));
      }
      const fn = asJson(tool.function ?? tool);
      return [{ name: String(fn.name), description: String(fn.description ?? '') }];
    });

/** The text of the last part of a user message that has text. */
export const lastText = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : String(
        asArray(content)
          .map(asJson)
          .filter((part) => typeof part.text === 'string')
          .at(-1)?.text ?? '',
      );

/** What the user asked last, in a chat or Messages request; undefined when tool outputs came last. */
export function askedInMessages(body: Json): string | undefined {
  const last = asArray(body.messages)
    .map(asJson)
    .filter((message) => message.role !== 'system')
    .at(-1);
  if (!last || last.role === 'tool') return undefined;
  if (asArray(last.content).some((block) => asJson(block).type === 'tool_result')) return undefined;
  return lastText(last.content);
}

/** What the user asked last in a Responses request; undefined when tool outputs came last. */
export function askedInInput(body: Json): string | undefined {
  const last = asArray(body.input)
    .map(asJson)
    .filter((item) => item.role !== 'developer' && item.role !== 'system')
    .at(-1);
  return last?.role === 'user' ? lastText(last.content) : undefined;
}

// ---------------------------------------------------------------- the providers a session moves between

/** One side of a move: the model Codex asks for, the fake that answers it, and how it reasons. */
export interface Side {
  name: string;
  provider: ProviderId;
  model: string;
  upstreamModel: string;
  /** The path the fake is asked on. */
  path: string;
  /** The reasoning the model shows on each turn. */
  reasoning: string;
  /**
   * The tools besides `exec_command` that Codex offers this model and the first turn calls: its
   * custom `apply_patch` for the models its catalog knows, the MCP server's namespace tool for the
   * others (for the models it knows, it defers MCP tools behind its hosted tool search).
   */
  tools: readonly ('apply_patch' | 'lookup')[];
  handler(fake: FakeUpstream): FakeHandler;
}

/** The turn of a chat or Messages agent for `side`: its picks as calls, or its answer; reasoning first when `thinks`. */
export function agentTurn(side: Side, body: Json, thinks: boolean): AgentTurn {
  const offered = offeredIn(body.tools);
  const picks = picksFor(askedInMessages(body), offered);
  const reasoning = thinks ? { reasoning: side.reasoning } : {};
  if (!picks) return { kind: 'text', text: finalText(side), ...reasoning };
  const calls = picks.map((pick): AgentCall => {
    if (pick.tool === 'apply_patch') return { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) };
    if (pick.tool === 'exec') return { name: EXEC_TOOL, arguments: JSON.stringify({ cmd: pick.command }) };
    return { name: offered.find(isLookup)!.name, arguments: JSON.stringify({ key: LOOKED_UP }) };
  });
  return { kind: 'call', calls, ...reasoning };
}

/** The items of a Responses side's turn: its reasoning, then its picks as calls, or its answer. */
export function responsesTurn(side: Side, body: Json, callId: (name: string) => string): ScriptedItem[] {
  const offered = offeredIn(body.tools);
  const picks = picksFor(askedInInput(body), offered);
  const reasoning: ScriptedItem = { type: 'reasoning', summary: side.reasoning };
  if (!picks) return [reasoning, { type: 'message', text: finalText(side) }];
  return [
    reasoning,
    ...picks.map((pick): ScriptedItem => {
      if (pick.tool === 'apply_patch') return { type: 'custom_tool_call', name: 'apply_patch', input: PATCH, callId: callId('apply_patch') };
      if (pick.tool === 'exec')
        return { type: 'function_call', name: EXEC_TOOL, arguments: JSON.stringify({ cmd: pick.command }), callId: callId(EXEC_TOOL) };
      const tool = offered.find(isLookup)!;
      return {
        type: 'function_call',
        namespace: tool.namespace,
        name: tool.name,
        arguments: JSON.stringify({ key: LOOKED_UP }),
        callId: callId(tool.name),
      };
    }),
  ];
}

export const LOCAL: Side = {
  name: 'llama-server',
  provider: 'local',
  // A model Codex's catalog knows (after one provider/ prefix), so that it offers apply_patch.
  model: 'local/gpt-5.5',
  upstreamModel: 'gpt-5.5',
  path: '/v1/chat/completions',
  reasoning: 'Local reasoning: patch, then run.',
  tools: ['apply_patch'],
  handler: (fake) => agentFor(fake, (body) => agentTurn(LOCAL, body, true)),
};

export const ANTHROPIC: Side = {
  name: 'Anthropic',
  provider: 'anthropic',
  model: 'anthropic/claude-sonnet-5-5',
  upstreamModel: 'claude-sonnet-5-5',
  path: '/v1/messages',
  reasoning: 'Anthropic thinking: run it and report.',
  tools: ['lookup'],
  // Anthropic thinks when the request turns thinking on; it also refuses tool blocks as the real API does.
  handler: (fake) => {
    const agent = agentFor(fake, (body) => agentTurn(ANTHROPIC, body, ['enabled', 'adaptive'].includes(String(asJson(body.thinking).type))));
    return (request, res, req) => {
      const problem = pathOf(request) === '/v1/messages' ? anthropicToolProblem(asArray(request.body?.messages).map(asJson)) : undefined;
      if (!problem) return agent(request, res, req);
      sendMessagesInvalid(res, problem);
      return true;
    };
  },
};

export const OPENAI: Side = {
  name: 'OpenAI',
  provider: 'openai',
  model: 'openai/gpt-5.5',
  upstreamModel: 'gpt-5.5',
  path: '/v1/responses',
  reasoning: 'OpenAI summary: patch, then run.',
  tools: ['apply_patch'],
  handler: () => {
    let calls = 0;
    return scriptedResponsesApi('openai', (body) => responsesTurn(OPENAI, body, () => `call_openai${String(++calls).padStart(20, '0')}`), {
      checkItems: true,
    });
  },
};

export const OPENROUTER: Side = {
  name: 'Kimi behind OpenRouter',
  provider: 'openrouter',
  model: 'openrouter/moonshotai/kimi-k2',
  upstreamModel: 'moonshotai/kimi-k2',
  path: '/api/v1/responses',
  reasoning: 'Kimi reasoning: run it, look it up.',
  tools: ['lookup'],
  // Kimi numbers its calls `functions.<name>:<n>`, ids Anthropic refuses; OpenRouter's encrypted reasoning is its own.
  handler: () => {
    let calls = 0;
    return scriptedResponsesApi('openrouter', (body) => responsesTurn(OPENROUTER, body, (name) => `functions.${name}:${calls++}`), {
      encrypt: (n) => `openrouter-reasoning-${n}`,
    });
  },
};

export const DEEPSEEK: Side = {
  name: 'DeepSeek behind OpenRouter',
  provider: 'openrouter',
  model: 'openrouter/deepseek/deepseek-v4-pro',
  upstreamModel: 'deepseek/deepseek-v4-pro',
  path: '/api/v1/responses',
  reasoning: 'DeepSeek reasoning: run it, look it up.',
  tools: ['lookup'],
  // DeepSeek's reasoning is text only: OpenRouter's reasoning items carry no encrypted content.
  handler: () => {
    let calls = 0;
    return scriptedResponsesApi('openrouter', (body) => responsesTurn(DEEPSEEK, body, () => `call_deepseek_${calls++}`), { encrypt: null });
  },
};

/** What every route sends back that is not its own: the router's envelope, OpenAI's and OpenRouter's encrypted reasoning, Anthropic's signature. */
export const ROUTER_ENVELOPE = 'epr1.';
export const OPENAI_ENCRYPTED = 'gAAAAAB';
export const OPENROUTER_ENCRYPTED = 'openrouter-reasoning-';

// ---------------------------------------------------------------- what the upstreams got

/** The assistant turns of a chat request: reasoning and calls. */
export const chatAssistants = (body: Json): Json[] =>
  asArray(body.messages)
    .map(asJson)
    .filter((message) => message.role === 'assistant');

/** The thinking blocks of a Messages request's assistant turns. */
export const thinkingSent = (body: Json): Json[] =>
  asArray(body.messages)
    .map(asJson)
    .filter((message) => message.role === 'assistant')
    .flatMap((message) => asArray(message.content).map(asJson))
    .filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking');

/** The calls a request carries, by the provider's id, with the output paired with each (by id), in any of the three dialects. */
export function callsIn(body: Json): { id: string; name: string; output: string | undefined }[] {
  if (Array.isArray(body.input)) {
    const items = asArray(body.input).map(asJson);
    return items
      .filter((item) => item.type === 'function_call' || item.type === 'custom_tool_call')
      .map((call) => {
        const output = items.find((item) => String(item.type).endsWith('_output') && item.call_id === call.call_id);
        return { id: String(call.call_id), name: String(call.name), output: output && JSON.stringify(output.output) };
      });
  }
  const messages = asArray(body.messages).map(asJson);
  const blocks = messages.flatMap((message) => asArray(message.content).map(asJson));
  const uses = blocks.filter((block) => block.type === 'tool_use');
  if (uses.length > 0) {
    return uses.map((use) => {
      const result = blocks.find((block) => block.type === 'tool_result' && block.tool_use_id === use.id);
      return { id: String(use.id), name: String(use.name), output: result && JSON.stringify(result.content) };
    });
  }
  return messages
    .flatMap((message) => asArray(message.tool_calls).map(asJson))
    .map((call) => {
      const tool = messages.find((message) => message.role === 'tool' && message.tool_call_id === call.id);
      return { id: String(call.id), name: String(asJson(call.function).name), output: tool && JSON.stringify(tool.content) };
    });
}
