import type { OpenAIContentPart, OpenAIFilePart, OpenAIImagePart } from '../../chat/wire';
import { invalidRequest } from '../../../errors';
import { isRecord } from '../../../is-record';

/** What the upstream can read, for the parts whose form depends on it. */
export interface PartOptions {
  /** The provider fetches a document's URL itself (OpenRouter); elsewhere a URL document is refused. */
  fetchesFileUrls: boolean;
}

/**
 * The chat content part of one block of a user turn (or of a `tool_result`): text, an image, or a
 * document (a PDF as a file part, a text document as text). `where` names the block in errors.
 * @throws ProviderRouterError `invalid_request` for a block with no chat equivalent, naming its type.
 */
export function toContentPart(block: Record<string, unknown>, where: string, options: PartOptions): OpenAIContentPart {
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw invalidRequest(`${where}: a text block needs a string \`text\`.`);
      return { type: 'text', text: block.text };
    case 'image':
      return toImagePart(block, where);
    case 'document':
      return toDocumentPart(block, where, options);
    default:
      throw invalidRequest(
        `${where}: a \`${String(block.type)}\` block has no equivalent in chat completions, so it cannot be sent to this provider.`,
      );
  }
}

function toImagePart(block: Record<string, unknown>, where: string): OpenAIImagePart {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw invalidRequest(`${where}: an image needs a \`base64\` or \`url\` source.`);
}

/**
 * A document: a base64 PDF becomes a file part (`title` as its file name), a text document its
 * text (the `title` on the line before), a URL document a file part that OpenRouter fetches.
 * `context` and `citations` have no chat equivalent and are left out.
 */
function toDocumentPart(block: Record<string, unknown>, where: string, options: PartOptions): OpenAIContentPart {
  const source = isRecord(block.source) ? block.source : {};
  const title = typeof block.title === 'string' && block.title !== '' ? block.title : undefined;
  if (source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    return filePart(title, `data:application/pdf;base64,${source.data}`);
  }
  if (source.type === 'text' && typeof source.data === 'string') {
    return { type: 'text', text: title ? `${title}\n${source.data}` : source.data };
  }
  if (source.type === 'url' && typeof source.url === 'string') {
    if (options.fetchesFileUrls) return filePart(title, source.url);
    throw invalidRequest(
      `${where}: a document with a \`url\` source cannot be sent to this provider, which does not fetch URLs; send the PDF as base64.`,
    );
  }
  throw invalidRequest(`${where}: a document needs a base64 PDF, a \`text\` or a \`url\` source; this one cannot be sent to this provider.`);
}

function filePart(title: string | undefined, fileData: string): OpenAIFilePart {
  return { type: 'file', file: { filename: title ?? 'document.pdf', file_data: fileData } };
}
