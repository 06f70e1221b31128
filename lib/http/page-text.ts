/** How much of a page is read for its text: the title is in its head, and a message is short. */
const PAGE_CHARS = 64 * 1024;

/** An HTML document: what proxies, load balancers and bot walls in front of a provider answer with. */
const HTML_START = /^\s*(<!doctype html|<(html|head|body)[\s>])/i;

/**
 * The readable text of `text` when it is an HTML page, as `HTML page: ...`: its `<title>`, else
 * its text without scripts, styles, comments and tags. Quoted whole, a real one (Cloudflare's
 * error pages are several kB, their styles first) would fill the message with markup. Any other
 * text is returned as it is. Each tag becomes a space, never nothing, so that no two pieces of the
 * redacted text are joined into a key; entities stay as they are (the redactor does not read them
 * either).
 */
export function pageText(text: string): string {
  if (!HTML_START.test(text)) return text;
  const page = text.slice(0, PAGE_CHARS);
  // ASCII only: positions found in `lower` cut `page`, and `'İ'.toLowerCase()` is two characters.
  const lower = page.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  const title = titleOf(page, lower);
  const shown = title?.trim() ? title : withoutMarkup(page, lower);
  const collapsed = shown.replace(/\s+/g, ' ').trim();
  return collapsed === '' ? 'HTML page with no text' : `HTML page: ${collapsed}`;
}

// Both read with `indexOf` from where the last search ended, never with a backtracking pattern:
// the page is the upstream's, and one with thousands of unclosed tags must not hold the event
// loop for seconds.

/** The text of the page's first `<title>` element, when it has a closed one. */
function titleOf(page: string, lower: string): string | undefined {
  const open = lower.indexOf('<title');
  if (open === -1) return undefined;
  const start = lower.indexOf('>', open);
  const end = start === -1 ? -1 : lower.indexOf('</title', start);
  return end === -1 ? undefined : page.slice(start + 1, end);
}

/** The page with each tag a space, and scripts, styles and comments left out with their content. */
function withoutMarkup(page: string, lower: string): string {
  let text = '';
  let at = 0;
  while (at < page.length) {
    const open = page.indexOf('<', at);
    if (open === -1) return text + page.slice(at);
    text += `${page.slice(at, open)} `;
    at = afterMarkup(lower, open);
  }
  return text;
}

/** Where the markup that opens at `open` ends: after the tag, or after a script's, style's or comment's end. */
function afterMarkup(lower: string, open: number): number {
  const skipped = lower.startsWith('<!--', open) ? '-->' : /^<(script|style)[\s>]/.exec(lower.slice(open, open + 8))?.[1];
  if (skipped === '-->') return endAfter(lower, '-->', open + 4);
  const from = skipped === undefined ? open + 1 : endAfter(lower, `</${skipped}`, open + 1);
  return endAfter(lower, '>', from);
}

/** The index after the first `token` at or after `from`; the end of the text when there is none. */
function endAfter(lower: string, token: string, from: number): number {
  const found = lower.indexOf(token, from);
  return found === -1 ? lower.length : found + token.length;
}
