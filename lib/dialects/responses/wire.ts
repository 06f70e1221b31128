/**
 * The parts of OpenAI's Responses API wire format the router reads or writes. Unknown fields are
 * allowed everywhere: clients and providers add their own, and the router reads client input
 * field by field.
 * @see https://platform.openai.com/docs/api-reference/responses
 */

/** A part of a message item's `content`. */
export type ResponsesContentPart =
  | { type: 'input_text' | 'output_text'; text: string; [key: string]: unknown }
  | { type: 'refusal'; refusal: string }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: string }
  | { type: 'input_file'; file_data?: string; file_url?: string; file_id?: string; filename?: string }
  | { type: string; [key: string]: unknown };

/** An item of `output` (and of `input`, where the client sends earlier turns back). */
export type ResponsesItem =
  | { type: 'message'; id?: string; role: string; status?: string; content: string | ResponsesContentPart[] }
  | { type: 'function_call'; id?: string; call_id: string; name: string; arguments: string; namespace?: string; status?: string }
  | { type: 'custom_tool_call'; id?: string; call_id: string; name: string; input: string; namespace?: string; status?: string }
  | { type: 'function_call_output' | 'custom_tool_call_output'; call_id: string; output: unknown }
  | {
      type: 'reasoning';
      id?: string;
      summary?: { type: string; text: string }[];
      content?: { type: string; text: string }[];
      encrypted_content?: string;
    }
  | { type: string; [key: string]: unknown };

/** Token counts of a response. */
export interface ResponsesUsage {
  input_tokens: number;
  /** `cache_write_tokens`: tokens written to the provider's prompt cache (Anthropic, OpenRouter), when there were any; Codex reads it. */
  input_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A `response` object, as answered whole or carried by the lifecycle events of a stream. */
export interface ResponsesResponse {
  id: string;
  object: 'response';
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  model: string;
  output: ResponsesItem[];
  output_text?: string;
  usage: ResponsesUsage | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  parallel_tool_calls?: boolean;
  tool_choice?: unknown;
  tools?: unknown[];
  store?: boolean;
  [key: string]: unknown;
}

/**
 * One event of a Responses stream (`data` JSON-decoded), as an upstream sent it or the router
 * makes it. Every event has a `type` and a `sequence_number`; the rest depends on the type.
 */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number?: number;
  response?: ResponsesResponse;
  item?: ResponsesItem;
  [key: string]: unknown;
}
