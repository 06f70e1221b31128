import type { OpenAITool, OpenAIToolChoice } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { invalidRequest } from '../../../errors';

/**
 * Translates Anthropic `tools` into chat completion function tools: `input_schema` becomes
 * `parameters` unchanged (`$schema` included), `cache_control` is dropped. Server tools (an entry
 * with a `type` such as `web_search_20250305` and no `input_schema`) are left out: an
 * OpenAI-compatible provider cannot run them.
 *
 * @returns the tools, or `undefined` when none are left (OpenAI rejects `tools: []`).
 * @throws ProviderRouterError `invalid_request` when `tools` is not an array or a tool has no name.
 */
export function toChatTools(tools: unknown): OpenAITool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest('`tools` must be an array.');
  const out: OpenAITool[] = [];
  tools.forEach((tool: unknown, i) => {
    if (!isRecord(tool) || !isRecord(tool.input_schema)) return;
    if (typeof tool.name !== 'string' || tool.name === '') {
      throw invalidRequest(`tools[${i}] needs a non-empty string \`name\`.`);
    }
    const fn: OpenAITool['function'] = { name: tool.name };
    if (typeof tool.description === 'string') fn.description = tool.description;
    fn.parameters = tool.input_schema;
    out.push({ type: 'function', function: fn });
  });
  return out.length > 0 ? out : undefined;
}

/** The chat completion fields an Anthropic `tool_choice` becomes. */
export interface ChatToolChoiceFields {
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: false;
}

/**
 * Translates an Anthropic `tool_choice`: `auto` -> `'auto'`, `any` -> `'required'`,
 * `none` -> `'none'`, `{type:'tool', name}` -> `{type:'function', function:{name}}`, and
 * `disable_parallel_tool_use: true` -> `parallel_tool_calls: false`.
 *
 * @throws ProviderRouterError `invalid_request` for an unknown type or a `tool` choice without a name.
 */
export function toChatToolChoice(choice: unknown): ChatToolChoiceFields {
  if (choice === undefined || choice === null) return {};
  if (!isRecord(choice)) throw invalidRequest('`tool_choice` must be an object with a `type`.');
  const fields: ChatToolChoiceFields = {};
  switch (choice.type) {
    case 'auto':
      fields.tool_choice = 'auto';
      break;
    case 'any':
      fields.tool_choice = 'required';
      break;
    case 'none':
      fields.tool_choice = 'none';
      break;
    case 'tool':
      if (typeof choice.name !== 'string' || choice.name === '') {
        throw invalidRequest('`tool_choice` of type "tool" needs the tool\'s `name`.');
      }
      fields.tool_choice = { type: 'function', function: { name: choice.name } };
      break;
    default:
      // JSON.stringify returns undefined for a missing type, whatever its declared return type says.
      throw invalidRequest(
        `\`tool_choice.type\` must be "auto", "any", "none" or "tool", got ${(JSON.stringify(choice.type) as string | undefined) ?? 'nothing'}.`,
      );
  }
  if (choice.disable_parallel_tool_use === true) fields.parallel_tool_calls = false;
  return fields;
}
