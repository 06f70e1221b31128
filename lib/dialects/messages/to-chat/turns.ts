import type { OpenAIContentPart, OpenAIMessage, OpenAITool, OpenAIToolCall } from '../../chat/wire';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';
import { systemTextBlocks } from '../block-text';
import { invalidRequest } from '../../../errors';
import { toContentPart, type PartOptions } from './content-parts';
import { isUnverifiableSignature } from '../router-signature';
import { carriedDetails } from '../provider-reasoning';
import { carriedCallExtras } from '../../chat/call-extra-content';
import type { CallOrigin } from '../../unique-ids';
import { redactedDetail, thinkingDetail } from './reasoning-details';
import { carriedToolUseIds } from '../from-chat/ids';
import { appendAll } from '../../../append-all';

/** What the upstream can read: the parts of user turns, and signed thinking in `reasoning_details`. */
export interface TurnOptions extends PartOptions {
  /** The provider takes Anthropic's signed thinking back in `reasoning_details` (OpenRouter). */
  readsReasoningDetails: boolean;
  /** Who answers: the provider's own reasoning entries and call ids the router carried go back to it only. */
  upstream?: CallOrigin | undefined;
  /** The request's tools as sent, by name: what a `tool_reference` block shows the model. */
  tools: ReadonlyMap<string, OpenAITool['function']>;
}

/** The options, and the id the upstream gets for a call or result id of the client's. */
interface ReadingOptions extends TurnOptions {
  callId: (id: string) => string;
}

/** Assistant blocks of tools the provider ran itself: the chat provider could not have run them. */
const SERVER_TOOL_BLOCK = /^(server_tool_use|mcp_tool_use|.+_tool_result)$/;

/**
 * Translates the `messages` of an Anthropic Messages request into chat completion messages.
 *
 * - `user` turns: each `tool_result` block becomes a `role:"tool"` message (its text, block arrays
 *   joined; `Error: ` first when `is_error`), placed before one `user` message holding the remaining
 *   text, image and document blocks (a lone text block as string content, otherwise content parts).
 *   Images and documents inside tool results, which a tool message cannot hold, open that user
 *   message ahead of the user's own blocks. `tool_reference` blocks in a tool result (a tool search
 *   loading deferred tools) become the tools' definitions, as Anthropic expands them for the model:
 *   a `<functions>` block of one `<function>{"description", "name", "parameters"}</function>` line
 *   each, the encoding Claude Code's `ToolSearch` tells the model to expect. Any other block is refused,
 *   and so is a `tool_result` whose `content` is neither a string nor an array of blocks.
 * - `assistant` turns: text blocks joined into `content`, `tool_use` blocks into `tool_calls`,
 *   `thinking` text into `reasoning_content` (a turn of thinking alone keeps its place, with empty
 *   `content`), and, for a provider that `readsReasoningDetails`, each block Anthropic signed into
 *   `reasoning_details` as well, and so are the provider's own entries that a router signature
 *   carries for that provider and model; for any provider, the `extra_content` such a signature
 *   carries for a `tool_use` id (Gemini's thought signature) goes back on that tool call;
 *   `redacted_thinking` and the blocks of server tools are left out, and a turn left empty is
 *   left out; an entry that is not a block object is refused. Consecutive assistant turns, which
 *   Anthropic reads as one, are one assistant message (their texts apart as paragraphs), so that
 *   the tool messages of their calls follow it.
 * - `system` messages (Claude Code sends them mid-conversation) stay system messages in place;
 *   a block in one that is not text is refused.
 *
 * `cache_control` and any other block field not named here is not carried over.
 * @throws ProviderRouterError `invalid_request` for a non-array or empty array, an unknown role,
 *   malformed content, or a `tool_result` whose `tool_use_id` no earlier assistant turn's `tool_use` has.
 */
export function toChatMessages(messages: unknown, turnOptions: TurnOptions): OpenAIMessage[] {
  if (!Array.isArray(messages)) throw invalidRequest('`messages` must be an array of messages.');
  // Anthropic refuses both; a chat provider might answer them with a 200.
  if (messages.length === 0) throw invalidRequest('`messages` must hold at least one message.');
  refuseResultsOfNoCall(messages);
  const ids = carriedToolUseIds(turnOptions.upstream, messages);
  const options: ReadingOptions = { ...turnOptions, callId: (id) => ids.read(id) };
  const out: OpenAIMessage[] = [];
  // Anthropic reads consecutive assistant turns as one: chat refuses a call whose results do not follow its message.
  let assistantRun: AssistantTurnPart[] = [];
  const endAssistantRun = (): void => {
    if (assistantRun.length > 0) appendAll(out, assistantTurn(assistantRun, options));
    assistantRun = [];
  };
  messages.forEach((message: unknown, i) => {
    if (!isRecord(message)) throw invalidRequest(`messages[${i}] must be an object with \`role\` and \`content\`.`);
    const { role, content } = message;
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw invalidRequest(`messages[${i}].content must be a string or an array of content blocks.`);
    }
    if (role === 'assistant') {
      assistantRun.push({ content, i });
      return;
    }
    endAssistantRun();
    switch (role) {
      case 'user':
        appendAll(out, userTurn(content, i, options));
        break;
      case 'system':
        out.push({
          role: 'system',
          content:
            typeof content === 'string'
              ? content
              : systemTextBlocks(content, `messages[${i}].content`)
                  .map((block) => block.text)
                  .join('\n\n'),
        });
        break;
      default:
        // JSON.stringify returns undefined for a missing role, whatever its declared return type says.
        throw invalidRequest(
          `messages[${i}].role must be "user", "assistant" or "system", got ${(JSON.stringify(role) as string | undefined) ?? 'nothing'}.`,
        );
    }
  });
  endAssistantRun();
  return out;
}

function userTurn(content: string | unknown[], i: number, options: ReadingOptions): OpenAIMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: OpenAIMessage[] = [];
  const toolParts: OpenAIContentPart[] = [];
  const parts: OpenAIContentPart[] = [];
  content.forEach((block: unknown, j) => {
    const where = `messages[${i}].content[${j}]`;
    if (!isRecord(block)) throw invalidRequest(`${where} must be a content block object.`);
    if (block.type !== 'tool_result') {
      parts.push(toContentPart(block, where, options));
      return;
    }
    if (typeof block.tool_use_id !== 'string') throw invalidRequest(`${where}: a tool_result needs a string \`tool_use_id\`.`);
    const texts: string[] = [];
    /** The definitions of consecutive `tool_reference` blocks, one `<functions>` block when the run ends. */
    let functions: string[] = [];
    const endFunctions = (): void => {
      if (functions.length > 0) texts.push(`<functions>\n${functions.join('\n')}\n</functions>`);
      functions = [];
    };
    if (typeof block.content === 'string') texts.push(block.content);
    else if (isSet(block.content) && !Array.isArray(block.content)) {
      // Sent as an empty result, the tool's output would never reach the model (DESIGN section 9).
      throw invalidRequest(`${where}: a tool_result's \`content\` must be a string or an array of content blocks.`);
    } else if (Array.isArray(block.content)) {
      block.content.forEach((inner: unknown, k) => {
        const innerWhere = `${where}.content[${k}]`;
        if (!isRecord(inner)) throw invalidRequest(`${innerWhere} must be a content block object.`);
        if (inner.type === 'tool_reference') {
          functions.push(referencedFunction(inner, innerWhere, options.tools));
          return;
        }
        endFunctions();
        const part = toContentPart(inner, innerWhere, options);
        // A tool message holds text only: images and documents go to the user message after it.
        if (part.type === 'text' && inner.type === 'text') texts.push(part.text as string);
        else toolParts.push(part);
      });
      endFunctions();
    }
    const text = texts.join('\n\n');
    toolMessages.push({
      role: 'tool',
      tool_call_id: options.callId(block.tool_use_id),
      content: block.is_error === true ? `Error: ${text}` : text,
    });
  });
  const all = [...toolParts, ...parts];
  const [first] = all;
  if (first === undefined) return toolMessages;
  const single = all.length === 1 && first.type === 'text' && typeof first.text === 'string' ? first.text : undefined;
  return [...toolMessages, { role: 'user', content: single ?? all }];
}

/**
 * The definition a `tool_reference` block loads, as the model reads it.
 * @throws ProviderRouterError `invalid_request` when it names no tool of the request.
 */
function referencedFunction(block: Record<string, unknown>, where: string, tools: ReadonlyMap<string, OpenAITool['function']>): string {
  const tool = typeof block.tool_name === 'string' ? tools.get(block.tool_name) : undefined;
  if (!tool) {
    throw invalidRequest(
      `${where}: a tool_reference must name one of the request's \`tools\`, got ${(JSON.stringify(block.tool_name) as string | undefined) ?? 'nothing'}.`,
    );
  }
  return `<function>${JSON.stringify({ description: tool.description, name: tool.name, parameters: tool.parameters })}</function>`;
}

/** One assistant turn of the request: its content, and its place in `messages`. */
interface AssistantTurnPart {
  content: string | unknown[];
  i: number;
}

/** Consecutive assistant turns of the request, read as the one turn Anthropic reads them as. */
function assistantTurn(parts: readonly AssistantTurnPart[], { readsReasoningDetails, upstream, callId }: ReadingOptions): OpenAIMessage[] {
  const [only] = parts;
  if (parts.length === 1 && typeof only?.content === 'string') return [{ role: 'assistant', content: only.content }];
  /** The text of each turn: the texts of one are one text, and separate turns stay apart as paragraphs. */
  const turnTexts: string[][] = [];
  const reasoning: string[] = [];
  const details: Record<string, unknown>[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  /** The client's `tool_use` id of each call, and the `extra_content` the turn's router signatures carry by that id. */
  const clientIds: string[] = [];
  const callExtras: Record<string, Record<string, unknown>> = {};
  for (const { content, i } of parts) {
    const texts: string[] = [];
    turnTexts.push(texts);
    if (typeof content === 'string') {
      texts.push(content);
      continue;
    }
    content.forEach((block: unknown, j) => {
      // Left out, what the model said in its turn would be lost, as for a user turn's.
      if (!isRecord(block)) throw invalidRequest(`messages[${i}].content[${j}] must be a content block object.`);
      if (typeof block.type === 'string' && SERVER_TOOL_BLOCK.test(block.type)) return;
      if (block.type === 'text' && typeof block.text === 'string') {
        texts.push(block.text);
      } else if (block.type === 'thinking') {
        const thought = typeof block.thinking === 'string' ? block.thinking : '';
        if (thought !== '') reasoning.push(thought);
        // A signed block goes back even with its text omitted (`display: "omitted"`): the signature is what Anthropic checks.
        if (readsReasoningDetails && !isUnverifiableSignature(block.signature)) {
          details.push(thinkingDetail(thought, block.signature as string, details.length));
        } else if (readsReasoningDetails && upstream) {
          // The provider's own entries (Gemini's thought signatures) that the router's signature carried.
          appendAll(details, carriedDetails(block.signature, upstream));
        }
        // Any provider's calls' `extra_content` (Gemini's thought signatures), carried for that provider and model.
        if (upstream) Object.assign(callExtras, carriedCallExtras(block.signature, upstream));
      } else if (block.type === 'tool_use') {
        if (typeof block.id !== 'string' || typeof block.name !== 'string') {
          throw invalidRequest(`messages[${i}].content[${j}]: a tool_use block needs a string \`id\` and \`name\`.`);
        }
        clientIds.push(block.id);
        toolCalls.push({
          // The provider's own id, where the router replaced it in the answer.
          id: callId(block.id),
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
      } else if (block.type === 'redacted_thinking') {
        // To OpenRouter, which hands it back to Anthropic: a tool loop needs every block of the turn's thinking.
        if (readsReasoningDetails && typeof block.data === 'string' && block.data !== '') details.push(redactedDetail(block.data, details.length));
      } else {
        // Left out, what the model said or showed in its turn would be lost (DESIGN section 9).
        throw invalidRequest(
          `messages[${i}].content[${j}]: a ${JSON.stringify(block.type)} block in an assistant turn has no chat completions equivalent.`,
        );
      }
    });
  }
  const texts = turnTexts.filter((turn) => turn.length > 0).map((turn) => turn.join(''));
  if (texts.length === 0 && toolCalls.length === 0 && reasoning.length === 0 && details.length === 0) return [];
  // Anthropic splits one reply into several text blocks (around citations, for one): they are one text.
  // A turn of thinking alone stays a turn, with empty text, so that two user turns do not meet.
  // An empty text (a turn's `text: ""`) is no paragraph: joined, it would open the text with a blank line.
  const content = texts.filter((text) => text !== '').join('\n\n');
  const message: OpenAIMessage = { role: 'assistant', content: texts.length > 0 ? content : toolCalls.length > 0 ? null : '' };
  // Gemini refuses a tool loop whose calls came back without the thought signatures it gave them.
  toolCalls.forEach((call, k) => {
    const clientId = clientIds[k];
    const extra = clientId !== undefined && Object.hasOwn(callExtras, clientId) ? callExtras[clientId] : undefined;
    if (extra) call.extra_content = extra;
  });
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // DeepSeek refuses a tool loop whose earlier assistant turns lost their reasoning.
  if (reasoning.length > 0) message.reasoning_content = reasoning.join('\n\n');
  // OpenRouter hands these to Anthropic, which refuses a tool loop whose signed thinking went missing.
  if (details.length > 0) message.reasoning_details = details;
  return [message];
}

/**
 * Refuses a `tool_result` that answers no `tool_use` of an earlier assistant turn, as Anthropic
 * does: sent on, it would be a tool message of no call, which OpenAI refuses in its own terms and
 * other providers may read as a result the model never asked for.
 * @throws ProviderRouterError `invalid_request` naming the block.
 */
function refuseResultsOfNoCall(messages: readonly unknown[]): void {
  const called = new Set<unknown>();
  messages.forEach((message, i) => {
    if (!isRecord(message) || !Array.isArray(message.content)) return;
    message.content.forEach((block: unknown, j) => {
      if (!isRecord(block)) return;
      if (message.role === 'assistant' && block.type === 'tool_use') called.add(block.id);
      if (message.role === 'user' && block.type === 'tool_result' && typeof block.tool_use_id === 'string' && !called.has(block.tool_use_id)) {
        throw invalidRequest(
          `messages[${i}].content[${j}]: the tool_result's \`tool_use_id\` ${JSON.stringify(block.tool_use_id)} answers no tool_use of an earlier assistant turn; send the tool_use with its result.`,
        );
      }
    });
  });
}
