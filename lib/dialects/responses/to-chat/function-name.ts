import { createHash } from 'node:crypto';

/**
 * The longest function name OpenAI takes in chat completions; Gemini, and the models OpenRouter
 * holds to OpenAI's rules, refuse longer ones too (a 400 for the whole request).
 */
const MAX_FUNCTION_NAME = 64;
/** The digest that ends a shortened name: two long names that share their start stay apart. */
const DIGEST_LENGTH = 8;

/**
 * The chat function name of a namespace's tool: `<namespace>__<name>`, shortened to 64 characters
 * when longer (its start, `_`, and a digest of the whole name). Codex keeps each part within 64,
 * not their join: an MCP server's tool (`mcp__github_enterprise_server` and a long tool name) would
 * otherwise make every request of the session fail. The same name is made for the tool, for its
 * calls sent back, and for a `tool_choice` naming it.
 */
export function namespacedFunctionName(namespace: string, name: string): string {
  const joined = `${namespace}__${name}`;
  if (joined.length <= MAX_FUNCTION_NAME) return joined;
  const digest = createHash('sha256').update(joined).digest('hex').slice(0, DIGEST_LENGTH);
  return `${joined.slice(0, MAX_FUNCTION_NAME - DIGEST_LENGTH - 1)}_${digest}`;
}
