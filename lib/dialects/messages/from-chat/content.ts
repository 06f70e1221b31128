import type { OpenAIMessage } from '../../chat/wire';
import type { AnthropicDocumentBlock, AnthropicImageBlock, AnthropicTextBlock } from '../wire';
import { invalidRequest } from '../../../errors';
import { cacheControlOf } from './cache-control';
import { isRecord } from '../../../is-record';
import { base64DataUrl, imageTypeOf } from './base64-data';

/** The block types an OpenAI message's `content` can turn into. */
export type AnthropicContentPartBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock;

const HTTP_URL = /^https?:\/\//i;

/**
 * Converts an OpenAI `image_url` URL into an Anthropic image block: a base64 data URL becomes a
 * `base64` source, an http(s) URL a `url` source. The media type is the one the image's bytes show
 * when they show one Anthropic takes: OpenAI reads the bytes and takes a data URL whatever type it
 * names, where Anthropic refuses `image/jpg` and a type the bytes contradict (a JPEG sent as
 * `image/png`) with a 400.
 * @param where - Names the message part in the error message.
 * @throws ProviderRouterError (`invalid_request`) for any other kind of URL.
 */
export function toAnthropicImageBlock(url: string, where: string): AnthropicImageBlock {
  const data = base64DataUrl(url);
  if (data) {
    const named = data.mediaType === 'image/jpg' ? 'image/jpeg' : data.mediaType;
    return { type: 'image', source: { type: 'base64', media_type: imageTypeOf(data.data) ?? named, data: data.data } };
  }
  if (HTTP_URL.test(url)) {
    return { type: 'image', source: { type: 'url', url } };
  }
  throw invalidRequest(`${where}: image_url.url must be a base64 data URL (data:<media type>;base64,<data>) or an http(s) URL`, where);
}

/**
 * Converts an OpenAI message `content` (a string, an array of parts, or nothing) into Anthropic
 * text and image blocks. Texts that are empty or only whitespace are left out: Anthropic refuses
 * them ("text content blocks must contain non-whitespace text"), and a conversation that carries
 * one (a model's `"\n\n"` before its tool calls) would be refused on every later turn.
 * @param where - Names the message in error messages, e.g. `messages[2]`.
 * @param assistant - The content is an assistant message's: Mistral's `thinking` parts are its
 *   reasoning, left out as section 10 leaves out thinking Anthropic did not sign (it refuses it).
 * @throws ProviderRouterError (`invalid_request`) for a part that is neither text nor an image,
 *   or an image URL Anthropic cannot fetch.
 */
export function toAnthropicContentBlocks(content: OpenAIMessage['content'], where: string, assistant = false): AnthropicContentPartBlock[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) {
    throw invalidRequest(`${where}.content must be a string or an array of content parts`, `${where}.content`);
  }
  const blocks: AnthropicContentPartBlock[] = [];
  content.forEach((part, i) => {
    if (assistant && isRecord(part) && part.type === 'thinking') return;
    const partWhere = `${where}.content[${i}]`;
    const block = toAnthropicPartBlock(part, partWhere);
    const marker = cacheControlOf(part as Record<string, unknown>, partWhere);
    // A blank part left out marks the same place as the block before it: everything up to here.
    const marked = block ?? blocks.at(-1);
    if (marker !== undefined && marked !== undefined) marked.cache_control = marker;
    if (block) blocks.push(block);
  });
  return blocks;
}

// `part` is as the client sent it: every field is checked here before it is used.
function toAnthropicPartBlock(part: unknown, where: string): AnthropicContentPartBlock | undefined {
  if (typeof part !== 'object' || part === null) {
    throw invalidRequest(`${where} must be an object with a type`, where);
  }
  const record = part as Record<string, unknown>;
  switch (record.type) {
    // `refusal`: an assistant turn replayed from OpenAI may carry its refusal as a part of its own.
    case 'text':
    case 'refusal': {
      const text = record.type === 'text' ? record.text : record.refusal;
      if (typeof text !== 'string') throw invalidRequest(`${where}.${record.type} must be a string`, where);
      return isBlank(text) ? undefined : { type: 'text', text };
    }
    case 'image_url': {
      const imageUrl = record.image_url;
      const url = typeof imageUrl === 'string' ? imageUrl : (imageUrl as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string') throw invalidRequest(`${where}.image_url.url must be a string`, where);
      return toAnthropicImageBlock(url, where);
    }
    case 'file':
      return toAnthropicDocumentBlock(record.file, where);
    default:
      throw invalidRequest(`${where}: content part type '${String(record.type)}' cannot be sent to Anthropic (only text, image_url and file)`, where);
  }
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/**
 * The text blocks of a system or developer message, each with the `cache_control` its part carried.
 * @throws ProviderRouterError (`invalid_request`) for a non-text part (Anthropic's `system` is text only).
 */
export function toSystemBlocks(content: OpenAIMessage['content'], where: string): AnthropicTextBlock[] {
  return toAnthropicContentBlocks(content, where).map((block) => {
    if (block.type !== 'text') throw invalidRequest(`${where}: a system message can only contain text`, `${where}.content`);
    return block;
  });
}

/**
 * A chat `file` part as the document block Anthropic reads (the inverse of section 9's mapping): a
 * base64 PDF or plain text, or a PDF by http(s) URL; the filename becomes its title.
 * @throws ProviderRouterError (`invalid_request`) for a `file_id` (a file kept at another provider)
 *   or another media type.
 */
function toAnthropicDocumentBlock(file: unknown, where: string): AnthropicDocumentBlock {
  const fields = typeof file === 'object' && file !== null ? (file as Record<string, unknown>) : {};
  const title = typeof fields.filename === 'string' && fields.filename !== '' ? { title: fields.filename } : {};
  const fileData = fields.file_data;
  if (typeof fileData !== 'string') {
    throw invalidRequest(`${where}: a file part needs file_data (a file_id points at a file kept elsewhere, which Anthropic cannot read)`, where);
  }
  const data = base64DataUrl(fileData);
  if (data?.mediaType === 'application/pdf')
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data }, ...title };
  if (data?.mediaType === 'text/plain') {
    return {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') },
      ...title,
    };
  }
  if (HTTP_URL.test(fileData)) return { type: 'document', source: { type: 'url', url: fileData }, ...title };
  throw invalidRequest(`${where}: a file part must be a PDF or plain text (a base64 data URL) or a PDF's http(s) URL to be sent to Anthropic`, where);
}
