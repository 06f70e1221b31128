import { invalidRequest, unsupportedParameter, ProviderRouterError } from '../../../errors';
import type { OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { openEnvelope } from '../../reasoning-envelope';
import { carriedCallExtras } from '../../chat/call-extra-content';
import type { CallOrigin } from '../../unique-ids';
import { carriedCallIds } from '../from-chat/items';
import type { ChatOrigins } from './origins';
import { namespacedFunctionName } from './function-name';
import type { ToolCatalog } from './tools';
import { appendAll } from '../../../append-all';

/** What reading the items needs besides the items. */
export interface ItemOptions {
  catalog: ToolCatalog;
  /** The provider fetches a file given by URL itself (OpenRouter). */
  fetchesFileUrls: boolean;
  /** Who answers: reasoning envelopes of this provider and model are restored. */
  upstream: { provider: string; model: string };
  /** Records which item each message and call came from. */
  origins: ChatOrigins;
}

/** Items that only point at state kept elsewhere, or at a tool only OpenAI runs. */
const HOSTED_CALL_ITEM = /_call(_output)?$/;

/**
 * The chat messages for a Responses `input`, in order: `developer` and `system` messages as
 * system messages, user and assistant messages with their parts, `function_call` and
 * `custom_tool_call` items (consecutive ones in one assistant turn) as `tool_calls`, their outputs
 * as `role:"tool"` messages by `call_id`, and a `reasoning` item's text as the next assistant
 * turn's `reasoning_content` (the router's envelope, for the provider and model that made it,
 * restores the exact reasoning, and the `extra_content` of the calls it names by `call_id`). A
 * tool message holds text only: the images and files of tool outputs open the user message after
 * the tool messages (one of their own when no user message follows).
 * @throws ProviderRouterError 400 for `item_reference` items, hosted-tool calls and parts with no
 *   chat equivalent, in messages or tool outputs, and for a tool output whose `call_id` no call
 *   item before it has (`param: "input"`).
 */
export function toChatMessages(items: unknown[], options: ItemOptions): OpenAIMessage[] {
  const messages: OpenAIMessage[] = [];
  const callIds = carriedCallIds(options.upstream, items);
  // Wherever the reasoning item that carries them stands in the turn (after its calls, when streamed).
  const callExtras = carriedExtrasIn(items, options.upstream);
  let reasoning: string[] = [];
  let reasoningDetails: Record<string, unknown>[] = [];
  /** The assistant turn that tool calls join, while no other message has come between. */
  let assistant: OpenAIMessage | undefined;
  /** Images and files of the tool outputs since the last message that was not a tool message. */
  let toolParts: OpenAIContentPart[] = [];
  /** The item the tool parts came from (the last tool output that had any). */
  let toolPartsFrom = '';
  /** The `call_id` of every call item read so far: a tool output answers one of them. */
  const called = new Set<string>();
  const { origins } = options;

  /** The user message of the pending tool parts, ahead of `message` when it is a user message. */
  const flushToolParts = (message?: OpenAIMessage): void => {
    if (toolParts.length === 0) return;
    if (message?.role === 'user') {
      message.content = [...toolParts, ...asParts(message.content)];
      origins.prepend(message, toolParts.length);
    } else {
      const parts: OpenAIMessage = { role: 'user', content: toolParts };
      origins.message(parts, toolPartsFrom);
      messages.push(parts);
    }
    toolParts = [];
  };

  const push = (message: OpenAIMessage, where: string): void => {
    if (message.role !== 'tool') flushToolParts(message);
    origins.message(message, where);
    messages.push(message);
  };

  const assistantTurn = (where: string): OpenAIMessage => {
    if (!assistant) {
      assistant = { role: 'assistant', content: null };
      push(assistant, where);
    }
    attachReasoning(assistant);
    return assistant;
  };

  /** The reasoning read so far joins `turn`, after what it already has: a turn may hold several items. */
  const attachReasoning = (turn: OpenAIMessage): void => {
    if (reasoning.length > 0) {
      const text = reasoning.join('\n\n');
      turn.reasoning_content =
        typeof turn.reasoning_content === 'string' && turn.reasoning_content !== '' ? `${turn.reasoning_content}\n\n${text}` : text;
      reasoning = [];
    }
    if (reasoningDetails.length > 0) {
      const before = Array.isArray(turn.reasoning_details) ? (turn.reasoning_details as Record<string, unknown>[]) : [];
      turn.reasoning_details = [...before, ...reasoningDetails];
      reasoningDetails = [];
    }
  };

  /** Reasoning of a turn that produced no message or call (an interrupted one) belongs to no later turn. */
  const dropUnanswered = (): void => {
    reasoning = [];
    reasoningDetails = [];
  };

  items.forEach((item: unknown, i) => {
    const where = `input[${i}]`;
    if (!isRecord(item)) throw unsupported(`${where} must be an item object.`);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          const turn = assistantTurn(where);
          const text = assistantText(item.content, where);
          // Separate messages of one turn (a commentary, then the final answer) stay apart as paragraphs.
          const before = typeof turn.content === 'string' ? turn.content : '';
          turn.content = before === '' ? text : text === '' ? before : `${before}\n\n${text}`;
          return;
        }
        assistant = undefined;
        dropUnanswered();
        if (role === 'developer' || role === 'system') push({ role: 'system', content: plainText(item.content, where) }, where);
        else if (role === 'user') push({ role: 'user', content: userContent(item.content, where, options) }, where);
        else throw unsupported(`${where}: a message's role must be user, assistant, system or developer, not ${JSON.stringify(role)}.`);
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const turn = assistantTurn(where);
        const call = toolCall(item, where, options.catalog);
        called.add(call.id);
        // Gemini refuses a tool loop whose calls came back without the thought signatures it gave them.
        const extra = Object.hasOwn(callExtras, call.id) ? callExtras[call.id] : undefined;
        if (extra) call.extra_content = extra;
        // The provider's own id, where the router replaced it in an answer of that provider's.
        call.id = callIds.read(call.id);
        origins.call(call, where);
        // Added in place, not copied: a turn may hold thousands of calls.
        (turn.tool_calls ??= []).push(call);
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        assistant = undefined;
        dropUnanswered();
        if (typeof item.call_id !== 'string') throw unsupported(`${where}: a tool output needs its \`call_id\`.`);
        // OpenAI refuses an output of no call; sent on, it would be a result the model never asked for.
        if (!called.has(item.call_id)) {
          throw invalidRequest(
            `${where}: no function_call or custom_tool_call before it has the call_id ${JSON.stringify(item.call_id)}; send the call with its output.`,
            'input',
          );
        }
        const output = toolOutput(item.output, where, options);
        push({ role: 'tool', tool_call_id: callIds.read(item.call_id), content: output.text }, where);
        if (output.parts.length > 0) toolPartsFrom = where;
        for (const part of output.parts) origins.part(part, `${where}.output`);
        appendAll(toolParts, output.parts);
        return;
      }
      case 'reasoning': {
        // The router's envelope restores the exact reasoning, for the provider and model that made it only.
        const envelope = openEnvelope(item.encrypted_content);
        if (envelope?.provider === options.upstream.provider && envelope.model === options.upstream.model) {
          // An item of details alone (a signature that came after the call) adds no text to the turn's.
          if (envelope.text !== '') reasoning.push(envelope.text);
          appendAll(reasoningDetails, envelope.details);
        } else {
          appendAll(reasoning, reasoningText(item));
        }
        // Reasoning after a turn's text or calls (interleaved thinking) stays in that turn.
        if (assistant) attachReasoning(assistant);
        return;
      }
      case 'additional_tools':
        // Its tools were read with the request's `tools`.
        return;
      case 'configuration_update':
        // Its settings were read with the request's own (`settingsInEffect`).
        return;
      case 'item_reference':
        throw unsupported(
          `${where}: item_reference points at state this route does not keep; send the item itself (with the Vercel AI SDK, providerOptions.openai.store: false).`,
        );
      default:
        if (typeof type === 'string' && HOSTED_CALL_ITEM.test(type)) {
          throw unsupported(`${where}: a ${type} item is a tool only OpenAI runs; it has no equivalent for this provider.`);
        }
        throw unsupported(`${where}: an item of type ${JSON.stringify(type)} has no equivalent for this provider.`);
    }
  });
  flushToolParts();
  return messages;
}

/** The `extra_content` of the calls that the router's envelopes in `items` carry for `upstream`, by `call_id`. */
function carriedExtrasIn(items: unknown[], upstream: CallOrigin): Record<string, Record<string, unknown>> {
  const extras: Record<string, Record<string, unknown>> = {};
  for (const item of items)
    if (isRecord(item) && item.type === 'reasoning') Object.assign(extras, carriedCallExtras(item.encrypted_content, upstream));
  return extras;
}

function toolCall(item: Record<string, unknown>, where: string, catalog: ToolCatalog): OpenAIToolCall {
  if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
    throw unsupported(`${where}: a ${String(item.type)} needs \`call_id\` and \`name\`.`);
  const name = typeof item.namespace === 'string' && item.namespace !== '' ? namespacedFunctionName(item.namespace, item.name) : item.name;
  const isCustom = item.type === 'custom_tool_call' || catalog.get(name)?.kind === 'custom';
  // What the model called its tool with is content: a value of another type cannot stand in for it.
  const given = isCustom ? item.input : item.arguments;
  if (given !== undefined && given !== null && typeof given !== 'string') {
    throw invalidRequest(`${where}: \`${isCustom ? 'input' : 'arguments'}\` must be a string.`, 'input');
  }
  const args = isCustom ? JSON.stringify({ input: given ?? '' }) : given || '{}';
  return { id: item.call_id, type: 'function', function: { name, arguments: args } };
}

function userContent(content: unknown, where: string, options: ItemOptions): string | OpenAIContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw unsupported(`${where}.content must be a string or an array of parts.`);
  const parts = content.map((part: unknown, j) => toPart(part, `${where}.content[${j}]`, options));
  const [first] = parts;
  return parts.length === 1 && first?.type === 'text' && typeof first.text === 'string' ? first.text : parts;
}

function toPart(part: unknown, where: string, options: ItemOptions): OpenAIContentPart {
  if (!isRecord(part)) throw unsupported(`${where} must be a content part object.`);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      if (typeof part.text !== 'string') throw invalidRequest(`${where}: a text part needs \`text\`.`, 'input');
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: typeof part.refusal === 'string' ? part.refusal : '' };
    case 'input_image':
      if (typeof part.image_url === 'string') {
        return { type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' ? { detail: part.detail } : {}) } };
      }
      throw unsupported(`${where}: an image given by file_id is stored at OpenAI; send it as image_url (a data URL or an http(s) URL).`);
    case 'input_file': {
      const filename = typeof part.filename === 'string' ? part.filename : (fileNameOf(part.file_url) ?? 'document.pdf');
      if (typeof part.file_data === 'string') return { type: 'file', file: { filename, file_data: part.file_data } };
      if (typeof part.file_url === 'string' && options.fetchesFileUrls) return { type: 'file', file: { filename, file_data: part.file_url } };
      throw unsupported(`${where}: this input_file cannot be sent to this provider; send it as file_data (a base64 data URL).`);
    }
    default:
      throw unsupported(`${where}: a \`${String(part.type)}\` part has no equivalent for this provider.`);
  }
}

/**
 * The last segment of an http(s) file URL's path (`a.pdf` of `https://example.com/docs/a.pdf`), if
 * it has one. Not of a data URL: its "path" is the media type and the whole base64 content.
 */
function fileNameOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    const name = parsed.pathname.split('/').at(-1) ?? '';
    return name === '' ? undefined : decodeURIComponent(name);
  } catch {
    return undefined;
  }
}

function plainText(content: unknown, where: string): string {
  return textsOf(content, where, 'a system or developer message').join('\n\n');
}

function assistantText(content: unknown, where: string): string {
  return textsOf(content, where, 'an assistant message').join('');
}

/** The text of each part (a refusal's too); a part without text (an image, a file) cannot be carried. */
function textsOf(content: unknown, where: string, what: string): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) throw unsupported(`${where}.content must be a string or an array of parts.`);
  return content.map((part: unknown, j) => {
    if (isRecord(part) && typeof part.text === 'string') return part.text;
    if (isRecord(part) && typeof part.refusal === 'string') return part.refusal;
    const type = isRecord(part) ? String(part.type) : typeof part;
    throw unsupported(`${where}.content[${j}]: ${what} holds text only for this provider, not a \`${type}\` part; send it in a user message.`);
  });
}

/**
 * A tool output: the text for the tool message (a string as it is, text parts joined, anything
 * else as JSON), and the images and files that a tool message cannot hold.
 */
function toolOutput(output: unknown, where: string, options: ItemOptions): { text: string; parts: OpenAIContentPart[] } {
  if (typeof output === 'string') return { text: output, parts: [] };
  if (!Array.isArray(output)) return { text: output === undefined || output === null ? '' : JSON.stringify(output), parts: [] };
  const texts: string[] = [];
  const parts: OpenAIContentPart[] = [];
  output.forEach((part: unknown, j) => {
    const chat = toPart(part, `${where}.output[${j}]`, options);
    if (chat.type === 'text' && typeof chat.text === 'string') texts.push(chat.text);
    else parts.push(chat);
  });
  return { text: texts.join('\n\n'), parts };
}

function asParts(content: OpenAIMessage['content']): OpenAIContentPart[] {
  if (Array.isArray(content)) return content;
  return typeof content === 'string' && content !== '' ? [{ type: 'text', text: content }] : [];
}

/** The text of a reasoning item: its `reasoning_text` content, else its summary. */
function reasoningText(item: Record<string, unknown>): string[] {
  const pick = (parts: unknown): string[] =>
    Array.isArray(parts) ? parts.filter(isRecord).flatMap((part) => (typeof part.text === 'string' && part.text !== '' ? [part.text] : [])) : [];
  const content = pick(item.content);
  return content.length > 0 ? content : pick(item.summary);
}

function unsupported(message: string): ProviderRouterError {
  return unsupportedParameter('input', message);
}
