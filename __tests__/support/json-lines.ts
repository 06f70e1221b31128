import { readFileSync } from 'node:fs';

/** The records of a JSON-lines text (a conversation log): every line one JSON object, the text ending with a line break. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The records of a JSON-lines file. */
export function readJsonLines(file: string): Array<Record<string, unknown>> {
  return jsonLines(readFileSync(file, 'utf8'));
}
