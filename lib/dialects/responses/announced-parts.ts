import { isRecord } from '../../is-record';
import type { ResponsesStreamEvent } from './wire';

/** The delta events that write into a content part of their item, and the empty part each needs. */
const EMPTY_PART_OF_DELTA: Readonly<Record<string, () => Record<string, unknown>>> = {
  'response.output_text.delta': () => ({ type: 'output_text', text: '', annotations: [], logprobs: [] }),
  'response.refusal.delta': () => ({ type: 'refusal', refusal: '' }),
  'response.reasoning_text.delta': () => ({ type: 'reasoning_text', text: '' }),
};

/**
 * Announces the content parts an upstream's Responses stream writes into without announcing them.
 * Some servers send `response.reasoning_text.delta` (or another delta) for a part no
 * `response.content_part.added` opened, as the recorded OpenAI reasoning stream does: the `openai`
 * SDK's `responses.stream()` then throws "missing content at index 0" and the client gets nothing.
 * Before such a delta the missing `response.content_part.added` is written, with an empty part of
 * the delta's kind, numbered as the delta was; the events after it are numbered one further on, so
 * that `sequence_number` still increases. A stream that numbers no event (some compatible servers)
 * gets its announcement unnumbered too. A stream that announces its parts goes on untouched, frame
 * for frame.
 */
export class PartAnnouncer {
  /** Output index -> how many content parts its item has had announced. */
  readonly #announced = new Map<number, number>();
  /** How many events the router has added so far: later events are numbered this much further. */
  #added = 0;

  /** `event` as the client gets it: itself, renumbered, or after the part it writes into. */
  edit(event: ResponsesStreamEvent): ResponsesStreamEvent | ResponsesStreamEvent[] {
    const outputIndex = event.output_index;
    if (typeof outputIndex === 'number') {
      if (event.type === 'response.output_item.added') {
        const content: unknown = isRecord(event.item) ? (event.item as Record<string, unknown>).content : undefined;
        this.#announced.set(outputIndex, Array.isArray(content) ? content.length : 0);
      } else if (event.type === 'response.content_part.added' && typeof event.content_index === 'number') {
        this.#announced.set(outputIndex, Math.max(this.#announced.get(outputIndex) ?? 0, event.content_index + 1));
      } else {
        const opening = this.#missingPart(event, outputIndex);
        if (opening) return [opening, this.#renumbered(event)];
      }
    }
    return this.#renumbered(event);
  }

  /** The `response.content_part.added` a delta needs first, when its part was never announced. */
  #missingPart(event: ResponsesStreamEvent, outputIndex: number): ResponsesStreamEvent | undefined {
    const emptyPart = EMPTY_PART_OF_DELTA[event.type];
    const announced = this.#announced.get(outputIndex);
    // Only the next part of an item the stream opened: anything else is past repairing here.
    if (!emptyPart || announced === undefined || event.content_index !== announced) return undefined;
    this.#announced.set(outputIndex, announced + 1);
    const opening: ResponsesStreamEvent = { type: 'response.content_part.added' };
    if (typeof event.sequence_number === 'number') opening.sequence_number = event.sequence_number + this.#added;
    Object.assign(opening, { item_id: event.item_id, output_index: outputIndex, content_index: announced, part: emptyPart() });
    this.#added++;
    return opening;
  }

  #renumbered(event: ResponsesStreamEvent): ResponsesStreamEvent {
    if (this.#added === 0 || typeof event.sequence_number !== 'number') return event;
    return { ...event, sequence_number: event.sequence_number + this.#added };
  }
}
