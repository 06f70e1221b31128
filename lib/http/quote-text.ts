import { pageText } from './page-text';

/** How much of an upstream's text the router quotes in a message of its own. */
const QUOTED_CHARS = 200;

/**
 * `text` as the router quotes it in a message (an answer that is no JSON, a body that is no stream):
 * an HTML page reduced to its title or text (`pageText`), its whitespace collapsed, cut at 200
 * characters. Pass it redacted: a key the cut went through could no longer be found.
 */
export function quoteText(text: string): string {
  const shown = pageText(text).trim().replace(/\s+/g, ' ');
  return shown.length > QUOTED_CHARS ? `${shown.slice(0, QUOTED_CHARS)}...` : shown;
}
