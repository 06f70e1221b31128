/** Serialisation of the SSE frames the router writes itself, in both client dialects. */

/** An OpenAI-dialect `data:` frame. */
export function openAIDataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export const OPENAI_DONE_FRAME = 'data: [DONE]\n\n';

/** The error frame an OpenAI client reads mid-stream: a frame without `choices`. */
export function openAIErrorFrame(message: string, type: string, code: string | null = null): string {
  return openAIDataFrame({ error: { message, type, code } });
}

/** An Anthropic-dialect frame; the SDK ignores frames without their `event:` line. */
export function anthropicFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export function anthropicErrorFrame(message: string, type: string): string {
  return anthropicFrame('error', { type: 'error', error: { type, message } });
}
