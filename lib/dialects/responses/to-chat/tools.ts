import { invalidRequest, unsupportedParameter, ProviderRouterError } from '../../../errors';
import type { OpenAITool, OpenAIToolChoice } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { namespacedFunctionName } from './function-name';

/** What a chat function stands for in the client's tools, to turn its calls back into the client's items. */
export interface ClientTool {
  kind: 'function' | 'custom';
  /** The tool's own name (without its namespace). */
  name: string;
  namespace?: string | undefined;
}

/** The client's tools by the chat function name they were sent under. */
export type ToolCatalog = ReadonlyMap<string, ClientTool>;

/**
 * Tools that run at OpenAI (or in Codex itself as hosted items): no chat provider can run them.
 * `programmatic_tool_calling` is OpenAI's sandbox in which model-written code calls the other tools.
 */
const HOSTED_TOOL =
  /^(web_search.*|file_search|tool_search|local_shell|computer.*|mcp|image_generation|code_interpreter|programmatic_tool_calling|shell|apply_patch)$/;

const CUSTOM_TOOL_PARAMETERS = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The whole input of the tool, as plain text.' } },
  required: ['input'],
  additionalProperties: false,
};

/**
 * The chat tools for a Responses request's `tools` (and `additional_tools` items): functions as
 * they are, nested; a `custom` tool (Codex's `apply_patch`, a freeform grammar) as a function with
 * one string parameter `input` and its grammar in the description; `namespace` tools flattened to
 * `<namespace>__<name>` (shortened past 64 characters: {@link namespacedFunctionName}). Hosted
 * tools are left out: they cannot run elsewhere.
 * @throws ProviderRouterError 400 for an entry that is not a tool object, a tool of no name, of a
 *   type with no chat equivalent, with `parameters` that are not an object, or of a name another
 *   tool has (namespaced names included).
 */
export function toChatTools(tools: unknown[]): { tools: OpenAITool[]; catalog: Map<string, ClientTool> } {
  const chatTools: OpenAITool[] = [];
  const catalog = new Map<string, ClientTool>();
  /** Each function name's tool as declared, with its namespace: a repeat of the same one is no clash. */
  const declared = new Map<string, readonly [namespace: unknown, tool: Record<string, unknown>]>();
  const add = (tool: Record<string, unknown>, where: string, namespace?: { name: string; description: string | undefined }): void => {
    if (typeof tool.type === 'string' && HOSTED_TOOL.test(tool.type)) return;
    if (tool.type === 'namespace') {
      if (typeof tool.name !== 'string' || !Array.isArray(tool.tools))
        throw invalidRequest(`${where}: a namespace tool needs a \`name\` and \`tools\`.`);
      const space = { name: tool.name, description: typeof tool.description === 'string' && tool.description !== '' ? tool.description : undefined };
      tool.tools.forEach((inner: unknown, i) => {
        if (!isRecord(inner)) throw invalidRequest(`${where}.tools[${i}] must be a tool object.`, 'tools');
        add(inner, `${where}.tools[${i}]`, space);
      });
      return;
    }
    if (tool.type !== 'function' && tool.type !== 'custom') {
      throw unsupportedParameter('tools', `${where}: a \`${String(tool.type)}\` tool cannot be sent to this provider.`);
    }
    if (typeof tool.name !== 'string' || tool.name === '') throw invalidRequest(`${where}: a ${tool.type} tool needs a \`name\`.`);
    const functionName = namespace ? namespacedFunctionName(namespace.name, tool.name) : tool.name;
    const earlier = declared.get(functionName);
    if (earlier) {
      // The same tool again (Codex's `additional_tools` items may repeat one the request has) is the
      // one tool; two different tools of one name are refused, as OpenAI and Anthropic refuse them:
      // the model's call could not say which it meant.
      // Serialized only on a clash: Codex declares some twenty tools with large schemas on every request.
      if (JSON.stringify(earlier) === JSON.stringify([namespace, tool])) return;
      throw invalidRequest(
        `${where}: another tool of the request is named \`${functionName}\`${namespace ? ' (its namespace and name joined)' : ''}; tool names must be unique.`,
        'tools',
      );
    }
    declared.set(functionName, [namespace, tool]);
    // A flattened tool carries its namespace's description: the model reads no other place for it.
    const description = joinDescriptions(namespace?.description, typeof tool.description === 'string' ? tool.description : undefined);
    if (tool.type === 'function') {
      const fn: OpenAITool['function'] = { name: functionName };
      if (description !== undefined) fn.description = description;
      // Left out, the schema would never reach the model; `null` is no schema.
      if (isSet(tool.parameters) && !isRecord(tool.parameters)) throw invalidRequest(`${where}.parameters must be a JSON Schema object.`, 'tools');
      if (isRecord(tool.parameters)) fn.parameters = tool.parameters;
      if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
      chatTools.push({ type: 'function', function: fn });
      catalog.set(functionName, { kind: 'function', name: tool.name, namespace: namespace?.name });
      return;
    }
    chatTools.push({
      type: 'function',
      function: { name: functionName, description: customDescription(description, tool.format), parameters: CUSTOM_TOOL_PARAMETERS },
    });
    catalog.set(functionName, { kind: 'custom', name: tool.name, namespace: namespace?.name });
  };
  tools.forEach((tool: unknown, i) => {
    if (!isRecord(tool)) throw invalidRequest(`tools[${i}] must be a tool object.`, 'tools');
    add(tool, `tools[${i}]`);
  });
  return { tools: chatTools, catalog };
}

function customDescription(description: string | undefined, format: unknown): string {
  const parts = [description ?? 'A tool that takes free-form text.'];
  parts.push('Call it with one argument, `input`: the whole input as a string.');
  if (isRecord(format) && format.type === 'grammar' && typeof format.definition === 'string') {
    parts.push(`The input must follow this ${typeof format.syntax === 'string' ? format.syntax : ''} grammar:\n${format.definition}`);
  }
  return parts.join('\n\n');
}

/**
 * The chat `tool_choice` for a Responses one, and the tools left when it narrows them
 * (`allowed_tools`). A choice that forces a hosted tool is refused: the provider cannot run it. So
 * is one that needs a call (`required`, `allowed_tools` in `required` mode, a named tool) when none
 * of the tools it allows reaches the provider (only hosted ones, say): dropped with them, it would
 * let the model answer without the call the client asked for.
 */
export function toChatToolChoice(
  choice: unknown,
  tools: OpenAITool[],
  catalog: ToolCatalog,
): { toolChoice: OpenAIToolChoice | undefined; tools: OpenAITool[] } {
  if (choice === undefined || choice === null) return { toolChoice: undefined, tools };
  if (choice === 'auto' || choice === 'none') return { toolChoice: choice, tools };
  if (choice === 'required') return { toolChoice: choice, tools: callable(tools, '"required"') };
  if (!isRecord(choice)) throw unsupportedChoice(JSON.stringify(choice));
  if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    const name = functionNameOf(choice, catalog);
    if (!tools.some((tool) => tool.function.name === name)) {
      throw choiceError(`tool_choice names the ${choice.type} tool \`${choice.name}\`, which is not among the request's tools; add it to \`tools\``);
    }
    return { toolChoice: { type: 'function', function: { name } }, tools };
  }
  if (choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const allowed = new Set(choice.tools.filter(isRecord).map((tool) => functionNameOf(tool, catalog)));
    const offered = tools.filter((tool) => allowed.has(tool.function.name));
    if (choice.mode === 'required') return { toolChoice: 'required', tools: callable(offered, 'allowed_tools in "required" mode') };
    return { toolChoice: 'auto', tools: offered };
  }
  throw unsupportedChoice(String(choice.type));
}

/** `tools`, when a choice that needs a call has at least one the provider can run. */
function callable(tools: OpenAITool[], what: string): OpenAITool[] {
  if (tools.length > 0) return tools;
  throw choiceError(
    `tool_choice ${what} needs a call, and no tool it allows can run at this provider (hosted tools such as web_search run only at OpenAI); offer a function or custom tool, or send tool_choice "auto"`,
  );
}

/** The chat function a tool reference names: a namespace's tool by its flattened name. */
function functionNameOf(reference: Record<string, unknown>, catalog: ToolCatalog): string {
  const name = typeof reference.name === 'string' ? reference.name : '';
  if (typeof reference.namespace === 'string' && reference.namespace !== '') return namespacedFunctionName(reference.namespace, name);
  if (catalog.has(name)) return name;
  for (const [functionName, tool] of catalog) if (tool.name === name) return functionName;
  return name;
}

function unsupportedChoice(what: string): ProviderRouterError {
  return choiceError(`tool_choice ${what} forces a tool that only OpenAI can run; this provider cannot run it`);
}

function choiceError(message: string): ProviderRouterError {
  return unsupportedParameter('tool_choice', message);
}

function joinDescriptions(outer: string | undefined, inner: string | undefined): string | undefined {
  if (outer === undefined) return inner;
  return inner === undefined || inner === '' ? outer : `${outer}\n\n${inner}`;
}
