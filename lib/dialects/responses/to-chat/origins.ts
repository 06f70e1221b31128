import type { OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from '../../chat/wire';

/** A chat completions path in an error message: a message, a tool call's arguments, a content part. */
const CHAT_PATH = /messages\[(\d+)\](?:\.tool_calls\[(\d+)\](\.function\.arguments)?|\.content\[(\d+)\])?/g;
/** Chat request fields whose Responses counterpart has another name. */
const CHAT_FIELDS: readonly (readonly [RegExp, string])[] = [
  [/\bmax_tokens \/ max_completion_tokens\b/g, 'max_output_tokens'],
  [/\bresponse_format\b/g, 'text.format'],
  [/\btools\[\d+\]/g, 'tools'],
  [/\.tool_call_id\b/g, '.call_id'],
  [/\breasoning_effort\b/g, 'reasoning.effort'],
  [/^messages must be a non-empty array$/g, 'input must hold at least one item'],
  [
    /^messages must contain at least one user or assistant message with content$/g,
    'input must hold at least one user or assistant message with content',
  ],
];
/** A Responses path at the start of a restated message, for OpenAI's `param`. */
const CLIENT_PATH = /^(input(?:\[\d+\](?:\.[a-z_]+(?:\[\d+\])?)*)?|instructions|text\.format|max_output_tokens|tools|reasoning\.effort)(?![\w.[])/;

/**
 * Where the parts of a bridged chat request came from in the client's Responses request, so that
 * an error raised further along the hub (the chat-to-Messages stage, for Anthropic) names the
 * client's own fields: `messages[3].tool_calls[1].function.arguments` is `input[5].arguments`.
 */
export class ChatOrigins {
  private readonly messages = new Map<OpenAIMessage, string>();
  private readonly calls = new Map<OpenAIToolCall, string>();
  /** Content parts that came from another item than their message (a tool output's pictures). */
  private readonly parts = new Map<OpenAIContentPart, string>();
  /** How many such parts open a message, ahead of its own item's parts. */
  private readonly prepended = new Map<OpenAIMessage, number>();
  /** Chat settings the client gave elsewhere than in their usual field (a `configuration_update` item). */
  private readonly settings = new Map<string, string>();

  /** `message` was made from the client's `where` (`input[2]`, `instructions`). */
  message(message: OpenAIMessage, where: string): void {
    this.messages.set(message, where);
  }

  /** `call` was made from the item at `where`. */
  call(call: OpenAIToolCall, where: string): void {
    this.calls.set(call, where);
  }

  /** `part` came from the item at `where` (a tool output's picture or file). */
  part(part: OpenAIContentPart, where: string): void {
    this.parts.set(part, where);
  }

  /** `count` parts from other items (`part`) now open `message`, ahead of its own item's parts. */
  prepend(message: OpenAIMessage, count: number): void {
    this.prepended.set(message, count);
  }

  /** The chat request's `field` was set from the client's `where` (`input[3].reasoning.effort`). */
  setting(field: 'reasoning_effort' | 'response_format', where: string): void {
    this.settings.set(field, where);
  }

  /**
   * `text` with every chat path in `chat` (the translated request's messages) and every renamed
   * field written as the client's; a path whose origin is unknown is left as it is.
   */
  restate(text: string, chat: readonly OpenAIMessage[]): string {
    let restated = text.replace(CHAT_PATH, (path, index: string, call?: string, args?: string, part?: string) => {
      const message = chat[Number(index)];
      const origin = message && this.messages.get(message);
      if (!message || origin === undefined) return path;
      if (call !== undefined) {
        const toolCall = message.tool_calls?.[Number(call)];
        const callOrigin = toolCall && this.calls.get(toolCall);
        return callOrigin === undefined ? origin : `${callOrigin}${args ? '.arguments' : ''}`;
      }
      if (part === undefined) return origin;
      const at = Number(part);
      const content = Array.isArray(message.content) ? message.content : [];
      const partOrigin = content[at] && this.parts.get(content[at]);
      return partOrigin ?? `${origin}.content[${at - (this.prepended.get(message) ?? 0)}]`;
    });
    for (const [field, where] of this.settings) restated = restated.replace(new RegExp(`\\b${field}\\b`, 'g'), where);
    for (const [field, name] of CHAT_FIELDS) restated = restated.replace(field, name);
    return restated;
  }
}

/** The client's field a restated message starts with, for OpenAI's `param`; undefined when it names none. */
export function clientParamOf(restated: string): string | undefined {
  return CLIENT_PATH.exec(restated)?.[1];
}
