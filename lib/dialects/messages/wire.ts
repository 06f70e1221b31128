/**
 * The parts of Anthropic's Messages API wire format the router reads or writes.
 *
 * These types describe the protocol, which is what the router writes. What it reads from an
 * upstream is parsed JSON that only claims to follow it: {@link ReceivedAnthropicMessage} and
 * {@link AnthropicStreamEvent} mark the fields the router does not rely on.
 * @see https://docs.anthropic.com/en/api/messages
 */

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: unknown;
  [key: string]: unknown;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: unknown;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
  cache_control?: unknown;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[];
  is_error?: boolean;
  cache_control?: unknown;
}

export interface AnthropicThinkingBlock {
  type: 'thinking' | 'redacted_thinking';
  [key: string]: unknown;
}

/** A document block: a PDF (base64 or URL) or plain text. */
export interface AnthropicDocumentBlock {
  type: 'document';
  source:
    | { type: 'base64'; media_type: 'application/pdf'; data: string }
    | { type: 'text'; media_type: 'text/plain'; data: string }
    | { type: 'url'; url: string };
  title?: string;
  cache_control?: unknown;
}

export type AnthropicContentBlock =
  AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicToolUseBlock | AnthropicToolResultBlock | AnthropicThinkingBlock;

export interface AnthropicMessageParam {
  /** `system` appears inside `messages` only with Claude Code's betas. */
  role: 'user' | 'assistant' | 'system';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: unknown;
  [key: string]: unknown;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'none' }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicMessagesRequest {
  model: string;
  /** Required by the API; absent in a request translated from chat completions until the adapter adds its default. */
  max_tokens?: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string };
  [key: string]: unknown;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [key: string]: unknown;
}

/** Why a message ended; Anthropic adds reasons over time, so any other string may arrive too. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | (string & {});

/** Why a turn that stopped for `refusal` was refused, as Anthropic's newer answers say (`stop_details`). */
export interface AnthropicRefusalStopDetails {
  type: 'refusal';
  category: string | null;
  explanation: string | null;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  /** Newer answers say why a refusal was made; the recorded ones (and the router's own) have no such field. */
  stop_details?: AnthropicRefusalStopDetails | null;
  usage: AnthropicUsage;
}

/** A message as an upstream answered it: `usage` may be missing, and the router does without it; `content` is checked before it is read. */
export type ReceivedAnthropicMessage = Omit<AnthropicMessage, 'content' | 'usage'> & {
  content?: AnthropicContentBlock[];
  usage?: Partial<AnthropicUsage>;
};

/**
 * One parsed event of a Messages stream (`data` already JSON-decoded), as an upstream sent it:
 * every payload beside `type` and `index` may be missing, and the router does without it.
 */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message?: Partial<AnthropicMessage> }
  | { type: 'content_block_start'; index: number; content_block?: AnthropicContentBlock }
  | {
      type: 'content_block_delta';
      index: number;
      delta?:
        | { type: 'text_delta'; text: string }
        | { type: 'input_json_delta'; partial_json: string }
        | { type: 'thinking_delta' | 'signature_delta'; [key: string]: unknown };
    }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta?: { stop_reason: AnthropicStopReason | null; stop_sequence?: string | null; stop_details?: AnthropicRefusalStopDetails | null };
      usage?: Partial<AnthropicUsage>;
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error?: { type?: string; message?: string } };

/** The error body Anthropic answers with. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string; details?: Readonly<Record<string, unknown>> };
}
