import type { OpenAITool } from '../../chat/wire';
import type { AnthropicTool, AnthropicToolChoice } from '../wire';
import { invalidRequest } from '../../../errors';
import { isRecord } from '../../../is-record';
import { cacheControlOf } from './cache-control';

/**
 * Converts OpenAI function tools into Anthropic tools. A tool without `parameters` gets an empty
 * object schema, since Anthropic requires `input_schema`, and one whose schema has no `type`
 * (OpenAI takes `parameters: {}` for a tool without arguments) gets `type: "object"`, which
 * Anthropic requires too. A tool's `cache_control` (as OpenRouter and LiteLLM take it) is carried.
 * @param tools - The client's `tools` entries, as sent: each is checked here.
 * @throws ProviderRouterError (`invalid_request`) for a tool that is not a named function, or
 *   whose name another tool has.
 */
export function toAnthropicTools(tools: readonly unknown[]): AnthropicTool[] {
  const names = new Set<string>();
  return tools.map((entry, i) => {
    const tool = entry as Partial<OpenAITool> | null;
    const fn = tool?.function;
    if (tool?.type !== 'function' || typeof fn?.name !== 'string' || fn.name === '') {
      throw invalidRequest(`tools[${i}] must be {type:'function', function:{name, parameters}}`, `tools[${i}]`);
    }
    // Anthropic refuses two tools of one name; its 400 would name its own fields.
    if (names.has(fn.name))
      throw invalidRequest(`tools[${i}]: another tool of the request is named \`${fn.name}\`; tool names must be unique`, `tools[${i}]`);
    names.add(fn.name);
    const converted: AnthropicTool = {
      name: fn.name,
      input_schema: inputSchemaOf(fn.parameters),
    };
    if (fn.description !== undefined) converted.description = fn.description;
    const marker = cacheControlOf(tool, `tools[${i}]`);
    if (marker !== undefined) converted.cache_control = marker;
    return converted;
  });
}

function inputSchemaOf(parameters: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (parameters === undefined || parameters === null) return { type: 'object', properties: {} };
  // Sent as it came when it is no object: Anthropic's 400 then names it.
  return isRecord(parameters) && parameters.type === undefined ? { type: 'object', ...parameters } : parameters;
}

/**
 * Converts OpenAI `tool_choice` and `parallel_tool_calls` into Anthropic's `tool_choice`.
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use: true`, on `auto` when no
 * choice was given. Returns undefined when there is nothing to send.
 * @param toolChoice - The client's `tool_choice`, as sent: it is checked here.
 * @throws ProviderRouterError (`invalid_request`) for a `tool_choice` OpenAI does not define.
 */
export function toAnthropicToolChoice(toolChoice: unknown, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  const disableParallel = parallelToolCalls === false;
  const choice = convertChoice(toolChoice);
  if (choice === undefined) return disableParallel ? { type: 'auto', disable_parallel_tool_use: true } : undefined;
  if (disableParallel && choice.type !== 'none') return { ...choice, disable_parallel_tool_use: true };
  return choice;
}

function convertChoice(toolChoice: unknown): AnthropicToolChoice | undefined {
  if (toolChoice === undefined || toolChoice === null) return undefined;
  if (toolChoice === 'auto') return { type: 'auto' };
  if (toolChoice === 'required') return { type: 'any' };
  if (toolChoice === 'none') return { type: 'none' };
  if (typeof toolChoice === 'object') {
    const named = toolChoice as { type?: unknown; function?: { name?: unknown } | null };
    if (named.type === 'function' && typeof named.function?.name === 'string') return { type: 'tool', name: named.function.name };
  }
  throw invalidRequest("tool_choice must be 'auto', 'none', 'required' or {type:'function', function:{name}}", 'tool_choice');
}

/**
 * The tools to offer and the choice to send for a chat `tool_choice` of type `allowed_tools`: only
 * the tools it names, with `required` or `auto` by its `mode`. Any other choice leaves both as they are.
 */
export function narrowedToAllowedTools(tools: readonly unknown[], toolChoice: unknown): { tools: readonly unknown[]; toolChoice: unknown } {
  if (!isRecord(toolChoice) || toolChoice.type !== 'allowed_tools') return { tools, toolChoice };
  const allowedTools = isRecord(toolChoice.allowed_tools) ? toolChoice.allowed_tools : undefined;
  if (!allowedTools || !Array.isArray(allowedTools.tools) || (allowedTools.mode !== 'auto' && allowedTools.mode !== 'required')) {
    throw invalidRequest(
      "tool_choice allowed_tools must be {type:'allowed_tools', allowed_tools:{mode:'auto'|'required', tools:[{type:'function', function:{name}}]}}",
      'tool_choice',
    );
  }
  const offeredNames = new Set(tools.map(toolName));
  const allowed = new Set<unknown>();
  for (const reference of allowedTools.tools as unknown[]) {
    const name = toolName(reference);
    if (typeof name !== 'string' || !offeredNames.has(name)) {
      throw invalidRequest(
        `tool_choice allowed_tools names ${JSON.stringify(name ?? reference)}, which is not among the request's tools`,
        'tool_choice',
      );
    }
    allowed.add(name);
  }
  // Narrowed by name whatever their type: a tool that is not a function is refused after, as without allowed_tools.
  return { tools: tools.filter((tool) => allowed.has(toolName(tool))), toolChoice: allowedTools.mode };
}

/** The name a tool or a reference to one gives: `{function: {name}}`, `{custom: {name}}` or a flat `{name}`. */
function toolName(tool: unknown): unknown {
  if (!isRecord(tool)) return undefined;
  if (isRecord(tool.function)) return tool.function.name;
  if (isRecord(tool.custom)) return tool.custom.name;
  return tool.name;
}
