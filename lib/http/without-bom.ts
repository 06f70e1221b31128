/** `text` without a leading UTF-8 byte order mark: not JSON, yet some servers send one (fetch() drops it). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
