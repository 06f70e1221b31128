/** Reading OpenAI Responses API streams as a client (the Codex CLI, the `openai` SDK) receives them. */
import { parseSse, sseBlocks } from './sse';

/** One event of a Responses stream: its name and its parsed payload. */
export interface ResponsesEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The events that end a Responses stream; exactly one, last. */
export const RESPONSES_TERMINAL_EVENTS = ['response.completed', 'response.incomplete', 'response.failed'] as const;

/**
 * The events of a Responses stream written the way OpenAI writes one, failing the test otherwise:
 * each frame exactly an `event:` line and one `data:` line, LF line endings, one blank line after
 * every frame, each payload's `type` equal to its frame's `event`, `sequence_number` increasing by
 * one from the first, no top-level `error` key outside an `error` event, no `data: [DONE]`, and
 * exactly one terminal event (`response.completed`, `.incomplete` or `.failed`), the last.
 * Comment frames (`: keep-alive`, as OpenRouter writes) are skipped when `comments` is set and
 * fail the test otherwise.
 */
export function parseResponsesSse(text: string, options: { comments?: boolean } = {}): ResponsesEvent[] {
  expect(text.endsWith('\n\n') || text === '').toBe(true);
  const blocks = sseBlocks(text);
  expect(blocks.map((block) => `${block}\n\n`).join('')).toBe(text);
  const events: ResponsesEvent[] = [];
  for (const raw of blocks) {
    if (options.comments && raw.split('\n').every((line) => line.startsWith(':'))) continue;
    const [eventLine, dataLine, ...rest] = raw.split('\n');
    expect(eventLine).toMatch(/^event: \S+$/);
    expect(dataLine).toMatch(/^data: \{/);
    expect(rest).toEqual([]);
    const [frame] = parseSse(raw);
    const event = frame!.event!;
    const data = JSON.parse(frame!.data) as Record<string, unknown>;
    expect(data.type).toBe(event);
    if (event !== 'error') expect(data).not.toHaveProperty('error');
    events.push({ event, data });
  }
  if (events.length === 0) return events;
  const first = events[0]!.data.sequence_number as number;
  expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => first + i));
  const terminals = events.filter((e) => (RESPONSES_TERMINAL_EVENTS as readonly string[]).includes(e.event));
  expect(terminals.map((e) => e.event)).toHaveLength(1);
  expect(events[events.length - 1]).toBe(terminals[0]);
  return events;
}

/** What a client that builds its history from complete items (as Codex does) takes from a stream. */
export interface ResponsesStreamResult {
  /** The terminal event's name; undefined when the stream has none. */
  terminal: string | undefined;
  /** The terminal event's `response`. */
  response: Record<string, unknown> | undefined;
  /** The items of `response.output_item.done` events, in order. */
  items: Array<Record<string, unknown>>;
  /** The `output_text` of the done `message` items, joined. */
  text: string;
  /** The done `function_call` items. */
  functionCalls: Array<{ name: string; call_id: string; arguments: string }>;
}

/** The complete items and the ending of a parsed Responses stream. */
export function responsesStreamResult(events: ResponsesEvent[]): ResponsesStreamResult {
  const items = events.filter((e) => e.event === 'response.output_item.done').map((e) => e.data.item as Record<string, unknown>);
  const last = events[events.length - 1];
  const terminal = last && (RESPONSES_TERMINAL_EVENTS as readonly string[]).includes(last.event) ? last : undefined;
  const text = items
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content as Array<{ type: string; text?: string }>)
    .filter((part) => part.type === 'output_text')
    .map((part) => part.text ?? '')
    .join('');
  const functionCalls = items
    .filter((item) => item.type === 'function_call')
    .map((item) => ({ name: item.name as string, call_id: item.call_id as string, arguments: item.arguments as string }));
  return { terminal: terminal?.event, response: terminal?.data.response as Record<string, unknown> | undefined, items, text, functionCalls };
}

/** What a Responses object the router writes says of the settings its client did not set: OpenAI's defaults, and nothing stored. */
export const RESPONSES_DEFAULTS = {
  store: false,
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  truncation: 'disabled',
  metadata: {},
  temperature: null,
  top_p: null,
  previous_response_id: null,
} as const;
