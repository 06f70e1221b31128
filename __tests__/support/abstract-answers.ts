/**
 * Abstract model answers for the stream/JSON differential test: one answer, before any wire
 * format, generated from a seed (text with unicode and JSON-special characters, reasoning, tool
 * calls, refusals, stop reasons, usage, and the ways providers differ in writing them). The wire
 * forms are in `answer-wire-forms.ts`.
 */

/** Why the abstract answer stopped, rendered in each dialect's words. */
export type Stop = 'stop' | 'stop_sequence' | 'pause_turn' | 'length' | 'context_window' | 'tool' | 'filter';

/** A tool call; `args` is the arguments' JSON text as the model wrote it, '' for none at all. */
export interface Call {
  id: string;
  name: string;
  args: string;
}

/** One model answer, before any wire format. */
export interface Answer {
  reasoning: string;
  /** The thinking's signature (Anthropic's block, OpenRouter's `reasoning_details`). */
  signature: string;
  /** Redacted thinking's opaque data ('' for none): Anthropic's `redacted_thinking`, OpenRouter's `reasoning.encrypted`. */
  redacted: string;
  text: string;
  /** A second text block (Anthropic, as with citations). */
  moreText: string;
  /** Interleaved thinking: a second thinking block before the tool calls (Anthropic). */
  lateReasoning: string;
  /** Chat completions' `refusal` (OpenAI-compatible upstreams only). */
  refusal: string;
  calls: Call[];
  stop: Stop;
  usage: { input: number; output: number; cached: number; cacheWrite: number; reasoning: number };
  /** Anthropic repeats the input side of usage in `message_delta` (newer API versions do). */
  deltaRepeatsInput: boolean;
  /** Anthropic streams an empty input as one `input_json_delta` of '' rather than none. */
  emptyInputDelta: boolean;
  /** How a chat stream carries the calls: one after the other (OpenAI), all whole in one chunk, or argument pieces interleaved by index. */
  callChunking: 'sequential' | 'one-chunk' | 'interleaved';
  /** A chat stream's `finish_reason` comes on its last delta rather than in a chunk of its own. */
  finishOnLastDelta: boolean;
  /** A Responses client asks for `include: ["reasoning.encrypted_content"]`. */
  askEncrypted: boolean;
  /** Chat: `content: ""` rather than null when there is no text, and in every delta beside reasoning and calls (as OpenRouter writes it). */
  emptyContent: boolean;
  /** Chat usage with its `*_details` objects (llama-server and some gateways send none). */
  usageDetails: boolean;
  /** OpenRouter's price in its usage, USD. */
  cost: number;
  /** Anthropic: an empty text block before the tool calls, and `ping` events. */
  emptyTextBlock: boolean;
  /** Chat: the calls' ids as OpenAI writes them, as Kimi does (`functions.search:0`, which Anthropic refuses), or none at all. */
  callIdStyle: 'plain' | 'kimi' | 'none';
  /** Chat: a second choice (index 1) beside choice 0, whole and interleaved in the stream. */
  secondChoice: string;
  /** Chat: usage on the finish chunk itself, sent whether asked or not (Mistral's way), and no usage chunk. */
  usageOnFinish: boolean;
  /** Chat: the last call's arguments cut off where the output limit struck (`length` only). */
  cutArguments: boolean;
  /** Chat: the stream sends part of the text after the calls (the whole answer has one `content`). */
  textAfterCalls: boolean;
  /** Chat: a call's first delta has its id and name only (no `type`, no `arguments`), as vLLM writes it. */
  bareHeads: boolean;
  /** Anthropic: the model ran its server-side web search first (`server_tool_use`, `web_search_tool_result`) and cites it in the text. */
  serverSearch: string;
}

const WORDS = [
  'héllo',
  'wörld',
  '日本語',
  'emoji 🎉',
  '"quoted"',
  'back\\slash',
  'new\nline',
  'tab\t',
  '</script>',
  '{"json":1}',
  'plain',
  '\u2028sep',
  '𝔘𝔫𝔦',
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, (_, i) => `${i ? ' ' : ''}${pick(next, WORDS)}`).join('');
}

/** `text` cut into 1-4 pieces at code point boundaries, as providers send tokens. */
export function pieces(next: () => number, text: string): string[] {
  const points = Array.from(text);
  const count = Math.min(points.length, 1 + Math.floor(next() * 4));
  if (count <= 1) return [text];
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(1 + Math.floor(next() * (points.length - 1)));
  const sorted = [0, ...[...cuts].sort((a, b) => a - b), points.length];
  return sorted.slice(1).map((end, i) => points.slice(sorted[i], end).join(''));
}

/** The tools a request offers: plain functions, and for Responses clients a custom tool and a namespace (flattened upstream). */
export const PLAIN_TOOLS = ['search', 'read_file', 'weather', 'no_args'];
export const RESPONSES_TOOLS = [...PLAIN_TOOLS, 'apply_patch', 'crm__lookup', 'crm__note'];
const CUSTOM_TOOLS = new Set(['apply_patch', 'crm__note']);

function argumentsText(next: () => number, name: string): string {
  const roll = next();
  if (roll < 0.15) return '';
  if (roll < 0.3) return '{}';
  if (CUSTOM_TOOLS.has(name)) return JSON.stringify({ input: `*** Begin Patch\n${words(next, 3)}\n*** End Patch` });
  return JSON.stringify({ query: words(next, 2), n: Math.floor(next() * 100), nested: { list: [1, words(next, 1), null, true] } });
}

/**
 * An answer for an upstream of `dialect` calling `tools`: chat answers may refuse; Messages
 * answers may pause, stop on a sequence, redact or interleave thinking and split their text.
 */
export function generateAnswer(next: () => number, dialect: 'chat' | 'messages', tools: readonly string[], index: number): Answer {
  const callCount = next() < 0.45 ? 1 + Math.floor(next() * 3) : 0;
  const calls = Array.from({ length: callCount }, (_, i) => {
    const name = pick(next, tools);
    const id = dialect === 'chat' ? `call_${index}_${i}_${Math.floor(next() * 1e6)}` : `toolu_${index}_${i}_${Math.floor(next() * 1e6)}`;
    return { id, name, args: argumentsText(next, name) };
  });
  const messages = dialect === 'messages';
  const refusal = !messages && callCount === 0 && next() < 0.15 ? `I can't help with ${words(next, 2)}.` : '';
  const text = refusal ? '' : callCount > 0 && next() < 0.4 ? '' : words(next, 1 + Math.floor(next() * 6));
  const stops: Stop[] =
    callCount > 0
      ? ['tool', 'tool', 'length']
      : messages
        ? ['stop', 'stop_sequence', 'pause_turn', 'length', 'context_window', 'filter']
        : ['stop', 'length', 'filter'];
  return {
    reasoning: next() < 0.5 ? words(next, 1 + Math.floor(next() * 4)) : '',
    signature: `c2ln${Math.floor(next() * 1e6)}`,
    redacted: next() < 0.2 ? `cmVkYWN0ZWQ${Math.floor(next() * 1e6)}` : '',
    text,
    moreText: messages && text && next() < 0.25 ? words(next, 2) : '',
    lateReasoning: messages && callCount > 0 && next() < 0.3 ? words(next, 2) : '',
    refusal,
    calls,
    stop: refusal ? 'filter' : pick(next, stops),
    usage: {
      input: 10 + Math.floor(next() * 1000),
      output: 1 + Math.floor(next() * 500),
      cached: next() < 0.5 ? Math.floor(next() * 10) : 0,
      cacheWrite: next() < 0.3 ? Math.floor(next() * 10) : 0,
      reasoning: next() < 0.5 ? Math.floor(next() * 50) : 0,
    },
    deltaRepeatsInput: next() < 0.5,
    emptyInputDelta: next() < 0.5,
    callChunking: pick(next, ['sequential', 'one-chunk', 'interleaved'] as const),
    finishOnLastDelta: next() < 0.3,
    askEncrypted: next() < 0.5,
    emptyContent: next() < 0.3,
    usageDetails: next() < 0.7,
    cost: Math.floor(next() * 1e6) / 1e9,
    emptyTextBlock: messages && callCount > 0 && !text && next() < 0.3,
    callIdStyle: pick(next, ['plain', 'plain', 'kimi', 'none'] as const),
    secondChoice: next() < 0.2 ? words(next, 2) : '',
    usageOnFinish: next() < 0.25,
    cutArguments: next() < 0.5,
    textAfterCalls: next() < 0.2,
    serverSearch: messages && text && next() < 0.25 ? words(next, 2) : '',
    bareHeads: next() < 0.3,
  };
}
