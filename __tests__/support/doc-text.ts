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
