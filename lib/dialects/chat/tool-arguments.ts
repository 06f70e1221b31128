/**
 * A tool call's `arguments` as chat completions define them: a JSON text. Some OpenAI-compatible
 * servers send the arguments as the JSON value itself (an object): the same call, written out, so
 * that it is carried rather than dropped. `undefined` for anything else (absent, `null`, a number).
 */
export function argumentsText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return undefined;
}
