import type { OpenAIContentPart, OpenAIImagePart, OpenAIMessage, OpenAIToolCall } from '../../chat/wire';
import { isRecord, textOfContent } from '../block-text';
import { invalidRequest } from '../../../errors';

/**
 * Translates the `messages` of an Anthropic Messages request into chat completion messages.
 *
 * - `user` turns: each `tool_result` block becomes a `role:"tool"` message (its text, block arrays
 *   joined), placed before one `user` message holding the remaining text and image blocks (a lone
 *   text block as string content, otherwise content parts). Images inside tool results, which a
 *   tool message cannot hold, join that user message ahead of the user's own blocks.
 * - `assistant` turns: text blocks joined into `content`, `tool_use` blocks into `tool_calls`;
 *   `thinking` / `redacted_thinking` blocks are dropped, and a turn left empty is left out.
 * - `system` messages (Claude Code sends them mid-conversation) stay system messages in place.
 *
 * `cache_control` and any other block field not named here is not carried over.
 * @throws ProviderRouterError `invalid_request` for a non-array, an unknown role or malformed content.
 */
export function toChatMessages(messages: unknown): OpenAIMessage[] {
  if (!Array.isArray(messages)) throw invalidRequest('`messages` must be an array of messages.');
  const out: OpenAIMessage[] = [];
  messages.forEach((message: unknown, i) => {
    if (!isRecord(message)) throw invalidRequest(`messages[${i}] must be an object with \`role\` and \`content\`.`);
    const { role, content } = message;
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw invalidRequest(`messages[${i}].content must be a string or an array of content blocks.`);
    }
    switch (role) {
      case 'user':
        out.push(...userTurn(content, i));
        break;
      case 'assistant':
        out.push(...assistantTurn(content, i));
        break;
      case 'system':
        out.push({ role: 'system', content: textOfContent(content) });
        break;
      default:
        // JSON.stringify returns undefined for a missing role, whatever its declared return type says.
        throw invalidRequest(
          `messages[${i}].role must be "user", "assistant" or "system", got ${(JSON.stringify(role) as string | undefined) ?? 'nothing'}.`,
        );
    }
  });
  return out;
}

function userTurn(content: string | unknown[], i: number): OpenAIMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: OpenAIMessage[] = [];
  const toolImages: OpenAIContentPart[] = [];
  const parts: OpenAIContentPart[] = [];
  content.forEach((block: unknown, j) => {
    if (!isRecord(block)) return;
    if (block.type === 'tool_result') {
      if (typeof block.tool_use_id !== 'string') {
        throw invalidRequest(`messages[${i}].content[${j}]: a tool_result needs a string \`tool_use_id\`.`);
      }
      toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: textOfContent(block.content) });
      if (Array.isArray(block.content)) {
        for (const inner of block.content) {
          const image = toImagePart(inner);
          if (image) toolImages.push(image);
        }
      }
    } else if (block.type === 'text' && typeof block.text === 'string') {
      parts.push({ type: 'text', text: block.text });
    } else {
      const image = toImagePart(block);
      if (image) parts.push(image);
    }
  });
  const all = [...toolImages, ...parts];
  const [first] = all;
  if (first === undefined) return toolMessages;
  const single = all.length === 1 && first.type === 'text' && typeof first.text === 'string' ? first.text : undefined;
  return [...toolMessages, { role: 'user', content: single ?? all }];
}

function assistantTurn(content: string | unknown[], i: number): OpenAIMessage[] {
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  content.forEach((block: unknown, j) => {
    if (!isRecord(block)) return;
    if (block.type === 'text' && typeof block.text === 'string') {
      texts.push(block.text);
    } else if (block.type === 'tool_use') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string') {
        throw invalidRequest(`messages[${i}].content[${j}]: a tool_use block needs a string \`id\` and \`name\`.`);
      }
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  });
  if (texts.length === 0 && toolCalls.length === 0) return [];
  // Anthropic splits one reply into several text blocks (around citations, for one): they are one text.
  const message: OpenAIMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return [message];
}

function toImagePart(block: unknown): OpenAIImagePart | undefined {
  if (!isRecord(block) || block.type !== 'image' || !isRecord(block.source)) return undefined;
  const { source } = block;
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') {
    return { type: 'image_url', image_url: { url: source.url } };
  }
  return undefined;
}
