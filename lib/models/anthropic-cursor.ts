/**
 * The part of the merged list that an Anthropic list request's cursor asks for: the entries after
 * `after_id`, or before `before_id` (Anthropic's `GET /v1/models` pagination). The answer is
 * always the last page (`has_more: false`, DESIGN section 8), so `limit` is not applied: a client
 * that pages gets every id once, and one that resumes from a cursor does not get the list again.
 * A cursor that names no listed id leaves nothing to follow it: no entries.
 *
 * @param query the request's query string, with or without its `?`.
 */
export function entriesAfterCursor<T extends { id: string }>(models: T[], query: string): T[] {
  const params = new URLSearchParams(query);
  const afterId = params.get('after_id');
  const beforeId = params.get('before_id');
  if (afterId) {
    const index = models.findIndex((model) => model.id === afterId);
    return index === -1 ? [] : models.slice(index + 1);
  }
  if (beforeId) {
    const index = models.findIndex((model) => model.id === beforeId);
    return index === -1 ? [] : models.slice(0, index);
  }
  return models;
}
