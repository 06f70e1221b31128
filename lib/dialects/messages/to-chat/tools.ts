import type { OpenAITool, OpenAIToolChoice } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { invalidRequest } from '../../../errors';

/** Anthropic's schema-less tools that the client runs (bash, the text editor, memory, computer use). */
const ANTHROPIC_CLIENT_TOOL = /^(?:bash|text_editor|memory|computer)_/;

/**
 * Translates Anthropic `tools` into chat completion function tools: `input_schema` becomes
 * `parameters` unchanged (`$schema` included), `input_examples` follow the description;
 * `cache_control` is dropped, and so is `strict`: OpenAI's strict mode refuses schemas Anthropic's
 * takes (an optional property, one without `additionalProperties: false`). A server tool (an entry
 * with a `type` such as `web_search_20250305` and no `input_schema`) is refused: an
 * OpenAI-compatible provider cannot run it, and a model answering without it would be a 200 for a
 * request the provider never saw whole. So is a built-in tool the client runs (`bash_20250124`,
 * `text_editor_20250728`): its schema is known only to Anthropic's models.
 *
 * A tool with `defer_loading: true` is one the model does not see until a `tool_reference` block
 * loads it (Claude Code's `ToolSearch`): it is sent only when its name is in `loaded`, as Anthropic
 * would show it to the model.
 *
 * @returns the tools, or `undefined` when there are none (OpenAI rejects `tools: []`).
 * @throws ProviderRouterError `invalid_request` when `tools` is not an array, a tool has no name or
 * no `input_schema`, a `description` that is not a string, a name another tool has, or is a server
 * tool.
 */
export function toChatTools(tools: unknown, loaded: ReadonlySet<string> = new Set()): OpenAITool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest('`tools` must be an array.');
  const out: OpenAITool[] = [];
  const names = new Set<unknown>();
  tools.forEach((tool: unknown, i) => {
    if (!isRecord(tool)) throw invalidRequest(`tools[${i}] must be an object.`);
    // Anthropic refuses two tools of one name, deferred or not: a call could not say which it meant.
    if (typeof tool.name === 'string' && names.has(tool.name)) {
      throw invalidRequest(`tools[${i}]: another tool of the request is named \`${tool.name}\`; tool names must be unique.`);
    }
    names.add(tool.name);
    // Never shown to the model until loaded, a deferred tool is left out whole (a server tool too);
    // a loaded one is checked as any other is.
    if (tool.defer_loading === true && !(typeof tool.name === 'string' && loaded.has(tool.name))) return;
    if (!isRecord(tool.input_schema)) {
      if (typeof tool.type === 'string' && tool.type !== 'custom') {
        throw invalidRequest(
          ANTHROPIC_CLIENT_TOOL.test(tool.type)
            ? `tools[${i}] is Anthropic's built-in tool ${JSON.stringify(tool.type.slice(0, 100))}: the client runs it, but its definition is known only to Anthropic's models, so this model's provider cannot be given it. Define it as a tool with an \`input_schema\`, or use an anthropic/ model.`
            : `tools[${i}] is Anthropic's server tool ${JSON.stringify(tool.type.slice(0, 100))}, which only Anthropic runs; this model's provider cannot. Leave it out, or use an anthropic/ model.`,
        );
      }
      throw invalidRequest(`tools[${i}] needs an \`input_schema\` object.`);
    }
    if (typeof tool.name !== 'string' || tool.name === '') {
      throw invalidRequest(`tools[${i}] needs a non-empty string \`name\`.`);
    }
    // Left out, what the tool is for would never reach the model.
    if (isSet(tool.description) && typeof tool.description !== 'string') throw invalidRequest(`tools[${i}].description must be a string.`);
    const fn: OpenAITool['function'] = { name: tool.name };
    const description = withInputExamples(typeof tool.description === 'string' ? tool.description : undefined, tool.input_examples);
    if (description !== undefined) fn.description = description;
    fn.parameters = tool.input_schema;
    out.push({ type: 'function', function: fn });
  });
  return out.length > 0 ? out : undefined;
}

/**
 * The names of the tools that `tool_reference` blocks in `messages` load (in the `tool_result` of a
 * tool search), and the tool `tool_choice` names: the deferred tools the model may see.
 */
export function loadedToolNames(messages: unknown, toolChoice: unknown): Set<string> {
  const names = new Set<string>();
  if (isRecord(toolChoice) && toolChoice.type === 'tool' && typeof toolChoice.name === 'string') names.add(toolChoice.name);
  if (!Array.isArray(messages)) return names;
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (!isRecord(block) || block.type !== 'tool_result' || !Array.isArray(block.content)) continue;
      for (const inner of block.content) {
        if (isRecord(inner) && inner.type === 'tool_reference' && typeof inner.tool_name === 'string') names.add(inner.tool_name);
      }
    }
  }
  return names;
}

/**
 * A tool's description with its `input_examples` after it, one JSON object a line: chat completions
 * has no field for them, and they are there for the model to read.
 */
function withInputExamples(description: string | undefined, examples: unknown): string | undefined {
  if (!Array.isArray(examples) || examples.length === 0) return description;
  const lines = examples.map((example) => JSON.stringify(example)).join('\n');
  return `${description === undefined ? '' : `${description}\n\n`}Examples of input:\n${lines}`;
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
