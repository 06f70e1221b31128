import { isRecord } from '../../is-record';
import type { ResponsesResponse, ResponsesStreamEvent } from './wire';

/** A response's final status, and the terminal event that carries it. */
const TERMINAL_EVENTS: Readonly<Record<string, string>> = {
  completed: 'response.completed',
  incomplete: 'response.incomplete',
  failed: 'response.failed',
};

type Fields = Record<string, unknown>;

/**
 * The stream a Responses upstream would have sent for `answer`, a whole `response` it sent instead
 * (a compatible server that ignores `stream: true`), numbered from 0: `response.created`,
 * `response.in_progress`, per output item its `response.output_item.added`, its parts and their
 * deltas, `response.output_item.done` with the item whole, then the one terminal event its status
 * names. Undefined when `answer` is no finished response (`object: "response"` with an `output`
 * list and a final status).
 */
export function responsesAnswerAsEvents(answer: unknown): ResponsesStreamEvent[] | undefined {
  if (!isRecord(answer) || answer.object !== 'response' || !Array.isArray(answer.output) || !answer.output.every(isRecord)) return undefined;
  const terminal = typeof answer.status === 'string' && Object.hasOwn(TERMINAL_EVENTS, answer.status) ? TERMINAL_EVENTS[answer.status] : undefined;
  if (terminal === undefined) return undefined;
  const response = answer as unknown as ResponsesResponse;
  // `output_text` is the SDK's sum of the output, which a begun response has none of.
  const begun = {
    ...response,
    output_text: undefined,
    status: 'in_progress',
    output: [],
    usage: null,
    error: null,
    incomplete_details: null,
  } as ResponsesResponse;
  const events: Fields[] = [
    { type: 'response.created', response: begun },
    { type: 'response.in_progress', response: begun },
  ];
  (response.output as Fields[]).forEach((item, index) => events.push(...itemEvents(item, index)));
  events.push({ type: terminal, response });
  return events.map((event, sequence) => ({ ...event, sequence_number: sequence }) as ResponsesStreamEvent);
}

/** One output item: added (without its text), its parts or arguments streamed, done whole. */
function itemEvents(item: Fields, output_index: number): Fields[] {
  const item_id = item.id;
  const at = { item_id, output_index };
  const events: Fields[] = [];
  if (item.type === 'message' && Array.isArray(item.content)) {
    events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
    (item.content as unknown[]).filter(isRecord).forEach((part, content_index) => {
      events.push(...partEvents(part, { ...at, content_index }, 'response.content_part'));
    });
  } else if (item.type === 'reasoning') {
    const summary = Array.isArray(item.summary) ? (item.summary as unknown[]).filter(isRecord) : [];
    const content = Array.isArray(item.content) ? (item.content as unknown[]).filter(isRecord) : undefined;
    events.push({
      type: 'response.output_item.added',
      output_index,
      item: { ...item, summary: [], ...(content ? { content: [] } : {}) },
    });
    summary.forEach((part, summary_index) => events.push(...partEvents(part, { ...at, summary_index }, 'response.reasoning_summary_part')));
    content?.forEach((part, content_index) => events.push(...partEvents(part, { ...at, content_index }, 'response.content_part')));
  } else if (
    (item.type === 'function_call' && typeof item.arguments === 'string') ||
    (item.type === 'custom_tool_call' && typeof item.input === 'string')
  ) {
    const [field, family] =
      item.type === 'function_call' ? (['arguments', 'function_call_arguments'] as const) : (['input', 'custom_tool_call_input'] as const);
    const text = item[field] as string;
    events.push({ type: 'response.output_item.added', output_index, item: { ...item, [field]: '', status: 'in_progress' } });
    if (text !== '') events.push({ type: `response.${family}.delta`, ...at, delta: text });
    events.push({ type: `response.${family}.done`, ...at, [field]: text });
  } else {
    // A hosted tool's call (web search, code interpreter) and items to come: whole as they are.
    events.push({ type: 'response.output_item.added', output_index, item });
  }
  events.push({ type: 'response.output_item.done', output_index, item });
  return events;
}

/** The delta and done events of each kind of part, by the field that holds its text. */
const PART_TEXT: Readonly<Record<string, { field: string; events: string }>> = {
  output_text: { field: 'text', events: 'response.output_text' },
  refusal: { field: 'refusal', events: 'response.refusal' },
  reasoning_text: { field: 'text', events: 'response.reasoning_text' },
  summary_text: { field: 'text', events: 'response.reasoning_summary_text' },
};

/** One part: announced empty, its text as one delta and done, then done whole. */
function partEvents(part: Fields, at: Fields, lifecycle: string): Fields[] {
  const kind = typeof part.type === 'string' && Object.hasOwn(PART_TEXT, part.type) ? PART_TEXT[part.type] : undefined;
  const text = kind ? part[kind.field] : undefined;
  if (!kind || typeof text !== 'string')
    return [
      { type: `${lifecycle}.added`, ...at, part },
      { type: `${lifecycle}.done`, ...at, part },
    ];
  const events: Fields[] = [{ type: `${lifecycle}.added`, ...at, part: { ...part, [kind.field]: '' } }];
  if (text !== '') events.push({ type: `${kind.events}.delta`, ...at, delta: text, ...(part.type === 'output_text' ? { logprobs: [] } : {}) });
  events.push({ type: `${kind.events}.done`, ...at, [kind.field]: text, ...(part.type === 'output_text' ? { logprobs: [] } : {}) });
  events.push({ type: `${lifecycle}.done`, ...at, part });
  return events;
}
