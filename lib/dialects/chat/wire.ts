/**
 * The parts of OpenAI's chat completions wire format the router reads or writes.
 * Unknown fields are allowed everywhere: upstreams and clients add their own.
 *
 * These types describe the protocol, which is what the router writes. What it reads from an
 * upstream or a client is parsed JSON that only claims to follow it: the `Received*` types mark
 * what an upstream may leave out, and the readers of client input check every field they use.
 * @see https://platform.openai.com/docs/api-reference/chat
 */

export interface OpenAITextPart {
  type: 'text';
  text: string;
}

export interface OpenAIImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: string };
}

/** A document (a PDF) as OpenAI and OpenRouter read it: `file_data` is a data URL, or a URL OpenRouter fetches. */
export interface OpenAIFilePart {
  type: 'file';
  file: { filename: string; file_data: string };
}

export type OpenAIContentPart = OpenAITextPart | OpenAIImagePart | OpenAIFilePart | { type: string; [key: string]: unknown };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Provider data on the call (Gemini's `{google: {thought_signature}}`), sent back with it. */
  extra_content?: Record<string, unknown>;
}

export interface OpenAIMessage {
  /** `system`, `developer`, `user`, `assistant` or `tool`; clients and providers may send others. */
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {});
  content?: string | OpenAIContentPart[] | null;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type OpenAIToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatCompletionRequest {
  model: string;
  messages: OpenAIMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  [key: string]: unknown;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** OpenRouter: the request's price in USD. */
  cost?: number;
  [key: string]: unknown;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[]; refusal?: string | null };
    finish_reason: OpenAIFinishReason | null;
    logprobs?: null;
  }[];
  usage?: OpenAIUsage;
  [key: string]: unknown;
}

/** A tool call in an upstream's answer: the router fills in a missing `id` or function `name`. */
export interface ReceivedToolCall {
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
  extra_content?: unknown;
}

/**
 * A chat completion as an upstream answered it: `id`, `choices`, a choice's `message` and parts of
 * its tool calls may be missing, and the router does without them.
 */
export interface ReceivedChatCompletion {
  id?: string;
  model: string;
  choices?: {
    index?: number;
    message?: { content?: string | null; refusal?: string | null; tool_calls?: ReceivedToolCall[] };
    finish_reason?: string | null;
  }[];
  usage?: Partial<OpenAIUsage> | null;
  [key: string]: unknown;
}

export interface ChatCompletionChunkToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      /** Reasoning text (llama-server, DeepSeek; the router writes this name). */
      reasoning_content?: string;
      /** OpenRouter's reasoning pieces, signed ones included; entries with one `index` belong together. */
      reasoning_details?: Record<string, unknown>[];
      refusal?: string | null;
      tool_calls?: ChatCompletionChunkToolCall[];
    };
    finish_reason: OpenAIFinishReason | null;
    logprobs?: null;
  }[];
  usage?: OpenAIUsage | null;
  /** OpenRouter puts a provider failure here, beside `choices`; other servers send a string. */
  error?: { message?: string; code?: string | number; type?: string } | string | null;
  [key: string]: unknown;
}

/** The error body every OpenAI-compatible API (and this router) answers with. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param?: string | null };
}
