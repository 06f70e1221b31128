import { isRecord } from '../../../is-record';

/**
 * The request's settings that a Responses `response` object repeats, as OpenAI's does (the
 * `openai` SDK's `Response` type requires most of them). Values the client did not set are
 * OpenAI's defaults where the router knows them to hold (`tool_choice: "auto"`, parallel tool
 * calls, no truncation), and `null` where only the provider knows (`temperature`, `top_p`) or the
 * client set nothing to repeat (`user`, `safety_identifier`).
 */
export type ResponseSettings = Record<string, unknown>;

/** {@link ResponseSettings} of a Responses request body. */
export function responseSettingsOf(body: Record<string, unknown>): ResponseSettings {
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  const text = isRecord(body.text) ? body.text : {};
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
    parallel_tool_calls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : true,
    previous_response_id: null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    text: { ...text, format: text.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : null,
    truncation: typeof body.truncation === 'string' ? body.truncation : 'disabled',
    user: typeof body.user === 'string' ? body.user : null,
    safety_identifier: typeof body.safety_identifier === 'string' ? body.safety_identifier : null,
  };
}
