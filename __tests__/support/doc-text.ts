/**
 * The repository's docs and sources as text, for the checks that the docs name what the code has
 * (every variable, export, error code, telemetry field).
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** A file of the repository (`README.md`, `lib/errors.ts`) as text. */
export function repoText(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** The section of a markdown text under `heading` (`## Errors`), up to the next heading of that level or above. */
export function markdownSection(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`no section ${heading}`);
  const next = lines.findIndex((line, index) => index > start && new RegExp(`^#{1,${level}} `).test(line));
  return lines.slice(start, next === -1 ? undefined : next).join('\n');
}

/** The field names of `interface name { ... }` in a TypeScript source. */
export function interfaceFields(source: string, name: string): string[] {
  const body = new RegExp(`interface ${name}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`no interface ${name}`);
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??[:(]/gm)].map((match) => match[1]!);
}

/** Every name a module re-exports in `export { ... }` and `export type { ... }` lists. */
export function exportedNames(source: string): string[] {
  return [...source.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((entry) => entry.replace(/^\s*type\s+/, '').trim())
      .filter(Boolean),
  );
}

/** The markdown files a reader follows links between: README, CHANGELOG and docs/*.md. */
export function markdownFiles(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md'));
  return ['README.md', 'CHANGELOG.md', ...docs.map((file) => `docs/${file}`)];
}

/** Whether a file of the repository exists. */
export function repoHas(file: string): boolean {
  return fs.existsSync(path.join(ROOT, file));
}

/** Markdown text without its fenced code blocks, where `#` and `](` are code, not headings and links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The `#anchor` of each heading, as GitHub makes them: a repeated one gets `-1`, `-2`, ... */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.*)$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug);
    seen.set(slug, (count ?? -1) + 1);
    anchors.add(count === undefined ? slug : `${slug}-${count + 1}`);
  }
  return anchors;
}

/** The links of a markdown text that lead inside the repository: `[text](docs/x.md#anchor)`, `(#anchor)`. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((link) => !/^[a-z]+:/i.test(link));
}

/** The file names of every test under `__tests__` (`docs-claims.test.ts`). */
export function testFileNames(): string[] {
  return fs
    .readdirSync(path.join(ROOT, '__tests__'), { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.test.ts'))
    .map((entry) => path.basename(entry));
}
