import { OPENAI_DONE_FRAME, openAIErrorFrame } from '../../http/sse-frames';
import type { StreamTranslator, UpstreamSseEvent } from '../stream-translator';
import { upstreamText } from '../../telemetry/response-summary';

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

/**
 * Passes an OpenAI-compatible stream through event by event, leaving out the usage-only chunk
 * (`choices: []`) that the router asked for on the client's behalf: telemetry gets token counts,
 * the client gets the stream it asked for.
 */
export function createUsageHidingStream(): StreamTranslator & { comment(text: string): string } {
  let done = false;
  let error: { message: string; type: string } | undefined;
  return {
    get done() {
      return done;
    },
    get error() {
      return error;
    },
    comment: (text) => `: ${text}\n\n`,
    push(event: UpstreamSseEvent): string {
      if (done || error) return '';
      if (event.data === '[DONE]') {
        done = true;
        return OPENAI_DONE_FRAME;
      }
      const frame = `${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`;
      if (!event.data.includes('"usage"') && !event.data.includes('"error"')) return frame;
      let chunk: { choices?: unknown; usage?: unknown; error?: { message?: unknown; type?: unknown; code?: unknown } };
      try {
        chunk = JSON.parse(event.data) as typeof chunk;
      } catch {
        return frame;
      }
      if (chunk.error && typeof chunk.error === 'object') {
        const message = upstreamText(chunk.error.message, 'Upstream error');
        const type = upstreamText(chunk.error.type ?? chunk.error.code, 'upstream_error');
        error = { message, type };
        // The provider's own frame, then one without `choices` that every OpenAI client reads as an error.
        return frame + openAIErrorFrame(message, type);
      }
      if (EMPTY_CHOICES.test(event.data) && chunk.usage) return '';
      return frame;
    },
  };
}
