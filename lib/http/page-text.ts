/** How much of a page is read for its text: the title is in its head, and a message is short. */
const PAGE_CHARS = 64 * 1024;

/** An HTML document: what proxies, load balancers and bot walls in front of a provider answer with. */
const HTML_START = /^\s*(<!doctype html|<html[\s>])/i;

/**
 * The readable text of `text` when it is an HTML page, as `HTML page: ...`: its `<title>`, else
 * its text without scripts, styles and tags. Quoted whole, a real one (Cloudflare's error pages are
 * several kB, their styles first) would fill the message with markup. Any other text is returned
 * as it is. Each tag becomes a space, never nothing, so that no two pieces of the redacted text are
 * joined into a key; entities stay as they are (the redactor does not read them either).
 */
export function pageText(text: string): string {
  if (!HTML_START.test(text)) return text;
  const page = text.slice(0, PAGE_CHARS);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1];
  const shown = title?.trim()
    ? title
    : page
        .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<!--[\s\S]*?-->/g, ' ')
        .replace(/<[^>]*>/g, ' ');
  const collapsed = shown.replace(/\s+/g, ' ').trim();
  return collapsed === '' ? 'HTML page with no text' : `HTML page: ${collapsed}`;
}
