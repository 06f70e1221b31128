import type { ResponsesItem, ResponsesStreamEvent } from '../wire';

/**
 * Marks the last item of an answer the upstream cut (`status: "incomplete"`, by the token limit or
 * a content filter) as cut itself, as OpenAI does: its `status` is `incomplete`, in `output` and in
 * the item's `response.output_item.done` among `events` (a streamed answer's last events). The
 * items before it were finished before the cut and stay `completed`.
 */
export function markLastItemCut(output: ResponsesItem[], events: ResponsesStreamEvent[] = []): void {
  const index = output.length - 1;
  const last = output[index];
  if (!last) return;
  const cut = { ...last, status: 'incomplete' } as ResponsesItem;
  output[index] = cut;
  const done = events.find((event) => event.type === 'response.output_item.done' && event.output_index === index);
  if (done) done.item = cut;
}
