/**
 * One abstract conversation for the request differential (`request-dialect-differential.test.ts`):
 * turns, tools and settings said once, and a seeded generator of them. `dialect-writers.ts` writes
 * a conversation as each client dialect's request.
 */

/** A JSON object. */
export type Json = Record<string, unknown>;
/** The client dialects the router serves. */
export type ClientDialect = 'chat' | 'messages' | 'responses';

/** A tool call the assistant made. */
export interface Call {
  id: string;
  name: string;
  args: Json;
}
/** A tool's answer to a call. */
export interface ToolResult {
  id: string;
  text: string;
  isError?: boolean;
  /** An image the tool returned (only with a `followUp`: section 9 puts it in the user turn after the results). */
  image?: string;
}
/** One turn of the conversation; `tools` is the results of the calls before it, and the user's next words. */
export type Turn =
  /** `more`: a second text part, after the images. */
  | { role: 'user'; text: string; images?: string[]; more?: string; pdf?: boolean }
  /** A system prompt in the middle of the conversation. */
  | { role: 'system'; text: string }
  /** `redacted`: Anthropic's encrypted thinking, after the signed text (only Anthropic reads it). */
  | { role: 'assistant'; text?: string; calls?: Call[]; reasoning?: string; redacted?: string }
  | { role: 'tools'; results: ToolResult[]; followUp?: string };

/** A function tool offered to the model. */
export interface Tool {
  name: string;
  description: string;
  schema: Json;
}

/** The reasoning efforts DESIGN section 10 names. */
export type Effort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/** A conversation and its settings, said once, for every dialect to write in its own words. */
export interface Conversation {
  system?: string;
  /** How a Responses client says the system prompt: `instructions`, or a first `developer` item. */
  systemAs?: 'instructions' | 'developer';
  turns: Turn[];
  tools?: Tool[];
  toolChoice?: 'auto' | 'required' | 'none' | { name: string };
  parallel?: false;
  maxTokens?: number;
  /** How a chat client says the limit. */
  chatLimitField?: 'max_tokens' | 'max_completion_tokens';
  temperature?: number;
  topP?: number;
  stop?: string[];
  user?: string;
  /** How chat and Responses clients name the end user: `user`, or OpenAI's newer `safety_identifier`. */
  userAs?: 'user' | 'safety_identifier';
  /** A Messages client's `system` as text blocks rather than a string. */
  systemBlocks?: boolean;
  schema?: Json;
  effort?: Effort;
  /** How a Messages client asks for effort: adaptive thinking with `output_config.effort`, or a budget. */
  thinkingAs?: 'adaptive' | 'budget';
  stream?: boolean;
  /**
   * Claude Code's habits, which only a Messages client has: `cache_control` marks, the billing line
   * first in `system`, `context_management`, `tools: []` when it offers none.
   */
  claudeCode?: boolean;
  /** Every text said as content parts (`[{type:"text", text}]`, Messages blocks, Responses parts) rather than a string. */
  asParts?: boolean;
  /** How a Responses client carries reasoning back: `reasoning_text` content, or summary text (Codex). */
  reasoningAs?: 'content' | 'summary';
}

/** A 1x1 PNG as a data URL. */
export const DATA_URL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** An image by http URL. */
export const HTTP_URL = 'https://example.com/cat.png';
/** A base64 PDF and its name. */
export const PDF_NAME = 'report.pdf';
export const PDF_DATA = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK';

/** The tools a generated conversation offers some of. */
export const TOOLS: Tool[] = [
  {
    name: 'weather',
    description: 'The weather in a city',
    schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] },
  },
  { name: 'search', description: 'Searches the web', schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
  {
    name: 'calc',
    description: 'Evaluates an expression',
    // Claude Code's tools are JSON Schema 2020-12, `$schema` included (section 8).
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { expr: { type: 'string' }, exact: { type: 'boolean' } },
      required: ['expr'],
      additionalProperties: false,
    },
  },
];

/** Text the generator draws from: non-ASCII, quotes, line breaks and tabs, which each wire must carry as they are. */
export const WORDS = ['héllo', 'wörld', '日本語', 'emoji 🎉', 'plain', 'quote "q"', 'line\nbreak', 'tab\tin', 'Ελληνικά'];

/** Conversation number `index` drawn from `next`: the same sequence gives the same conversation. */
export function generated(next: () => number, index: number): Conversation {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number): boolean => next() < p;
  const text = (): string => Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(WORDS)).join(' ');
  const conversation: Conversation = { turns: [] };
  if (chance(0.6)) {
    conversation.system = `You are case ${index}. ${text()}`;
    conversation.systemAs = pick(['instructions', 'developer'] as const);
  }
  const tools = chance(0.6) ? TOOLS.slice(0, 1 + Math.floor(next() * TOOLS.length)) : [];
  if (tools.length > 0) conversation.tools = tools;
  const rounds = 1 + Math.floor(next() * 3);
  let callCount = 0;
  for (let round = 0; round < rounds; round++) {
    const images = chance(0.3) ? [pick([DATA_URL, HTTP_URL])] : undefined;
    conversation.turns.push({ role: 'user', text: text(), ...(images ? { images } : {}), ...(chance(0.15) ? { pdf: true } : {}) });
    if (round === rounds - 1) break;
    const calls: Call[] =
      tools.length > 0 && chance(0.7)
        ? Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
            const tool = pick(tools);
            const args: Json =
              tool.name === 'weather'
                ? { city: text(), days: 1 + Math.floor(next() * 5) }
                : tool.name === 'search'
                  ? { query: text() }
                  : { expr: '1+2', exact: chance(0.5) };
            return { id: `call_${index}_${callCount++}`, name: tool.name, args };
          })
        : [];
    const assistant: Turn = { role: 'assistant' };
    if (calls.length === 0 || chance(0.5)) assistant.text = text();
    if (calls.length > 0) assistant.calls = calls;
    if (chance(0.3)) assistant.reasoning = `thinking ${text()}`;
    if (assistant.reasoning !== undefined && chance(0.3)) assistant.redacted = `EmwKAhgB${index}x${round}`;
    conversation.turns.push(assistant);
    if (calls.length > 0) {
      const followUp = chance(0.5) ? text() : undefined;
      const results = calls.map((call) => ({
        id: call.id,
        text: `result ${text()}`,
        ...(chance(0.25) ? { isError: true } : {}),
        ...(followUp !== undefined && chance(0.5) ? { image: pick([DATA_URL, HTTP_URL]) } : {}),
      }));
      conversation.turns.push({ role: 'tools', results, ...(followUp !== undefined ? { followUp } : {}) });
      // A tool turn may end the conversation: the model's turn after a call.
      if (round === rounds - 2 && chance(0.5)) {
        conversation.turns.pop();
        // Without a user turn after them, a result's images would have none to open (section 9).
        conversation.turns.push({ role: 'tools', results: results.map((result) => ({ id: result.id, text: result.text, isError: result.isError })) });
        break;
      }
    }
  }
  if (tools.length > 0 && chance(0.6)) {
    const choice = pick(['auto', 'required', 'none', 'named'] as const);
    conversation.toolChoice = choice === 'named' ? { name: pick(tools).name } : choice;
    // Messages says "no parallel calls" inside its tool choice, which `none` cannot carry.
    if (choice !== 'none' && chance(0.4)) conversation.parallel = false;
  } else if (tools.length > 0 && chance(0.2)) conversation.parallel = false;
  // Small limits (thinking budgets cut to fit, or left off) and large ones (whole budgets), under
  // the Anthropic SDK's ceiling for a request that is not streamed (about 21333).
  conversation.maxTokens = chance(0.5) ? 16 + Math.floor(next() * 2000) : 2048 + Math.floor(next() * 18000);
  conversation.chatLimitField = pick(['max_tokens', 'max_completion_tokens'] as const);
  if (chance(0.5)) conversation.temperature = Math.round(next() * 100) / 100;
  if (chance(0.4)) conversation.topP = Math.round(next() * 100) / 100;
  if (chance(0.3)) conversation.stop = chance(0.5) ? ['END'] : ['END', '###'];
  if (chance(0.3)) conversation.user = `user-${index}`;
  if (conversation.user !== undefined && chance(0.5)) conversation.userAs = 'safety_identifier';
  if (conversation.system !== undefined && chance(0.4)) conversation.systemBlocks = true;
  if (chance(0.3)) conversation.claudeCode = true;
  if (chance(0.4)) conversation.asParts = true;
  conversation.reasoningAs = pick(['content', 'summary'] as const);
  if (chance(0.25))
    conversation.schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
  if (chance(0.6)) {
    conversation.effort = pick(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const);
    // A budget says none (disabled thinking) and minimal (under Anthropic's least budget, 1024) not.
    conversation.thinkingAs = ['none', 'minimal'].includes(conversation.effort) ? 'adaptive' : pick(['adaptive', 'budget'] as const);
  }
  conversation.stream = chance(0.3);
  return conversation;
}
