import { isRecord } from '../../is-record';
import type { PassthroughEdits, PassthroughRequest } from '../passthrough';
import { withChoicesArray } from './choices-array';
import { isRequestedUsageChunk } from './hide-requested-usage';
import type { ChatStreamEvent } from './stream-codec';

/**
 * A chat completions stream whose client asked for no usage is asked for it anyway (telemetry
 * needs the counts; OpenAI sends usage only when asked), and the usage-only chunk is left out of
 * what the client gets. A chunk without a `choices` array gets an empty one (`withChoicesArray`).
 */
export function chatPassthrough(request: PassthroughRequest): PassthroughEdits<ChatStreamEvent> {
  const { body, clientBody } = request;
  if (request.endpoint !== 'chat.completions' || clientBody.stream !== true) return {};
  const streamOptions = isRecord(clientBody.stream_options) ? clientBody.stream_options : {};
  if (!request.requestStreamUsage || streamOptions.include_usage === true) return { editEvent: withChoicesArray };
  body.stream_options = { ...streamOptions, include_usage: true };
  return { editEvent: (event) => (isRequestedUsageChunk(event) ? null : withChoicesArray(event)) };
}
