/** Reading base64 data as clients send it in chat completions: data URLs and the images they hold. */

/**
 * A base64 data URL's media type and data: `data:<media type>[;<parameter>]...;base64,<data>`
 * (RFC 2397), its parameters (`;charset=utf-8`, `;name=a.png`) left out. Read by hand: a pattern
 * for the parameters backtracks, and a URL of a million of them exhausts its stack.
 */
export function base64DataUrl(url: string): { mediaType: string; data: string } | undefined {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) return undefined;
  const header = url.slice('data:'.length, comma);
  const mediaType = header.slice(0, header.indexOf(';'));
  if (!header.endsWith(';base64') || mediaType === '') return undefined;
  return { mediaType, data: url.slice(comma + 1) };
}

/** The type of the image that base64 `data` holds, by its first bytes: one Anthropic takes, or undefined. */
export function imageTypeOf(data: string): string | undefined {
  const head = Buffer.from(data.slice(0, 24), 'base64');
  const ascii = (start: number, end: number): string => head.toString('latin1', start, end);
  if (head[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(0, 4) === 'GIF8') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}
