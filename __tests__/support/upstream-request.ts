/**
 * Readers of what a request body holds, per wire: the system prompt, the conversation, the tools,
 * the tool calls and their outputs, the structured output and limits asked for. The SDK probes
 * check with them what an upstream received, whichever of the three APIs it is spoken to in.
 */
import { asArray, asJson, type Json } from './json-shape';

/** An API a client speaks, or an upstream is spoken to in: OpenAI's Responses API, chat completions, Anthropic Messages. */
export type Wire = 'responses' | 'chat' | 'messages';

/** A tool the request offers: its name and its parameters' JSON schema. */
export interface OfferedTool {
  name: unknown;
  schema: unknown;
}

/** The tool calls and tool outputs of a conversation, in order, each with its call id. */
export interface CallsAndOutputs {
  calls: Array<{ id: string; name: string }>;
  outputs: Array<{ id: string; output: string }>;
}

/** The conversation of `body`: Responses `input`, or `messages`. */
export const turnsOf = (wire: Wire, body: Json): Json[] => asArray(wire === 'responses' ? body.input : body.messages).map(asJson);

/** The text of message or block content: a string as it is, or the `text` of its parts, joined. */
export const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : asArray(content)
        .map((part) => String(asJson(part).text ?? ''))
        .join('');

/**
 * The system prompt of `body`: Messages `system` (a string, or its text blocks joined), Responses
 * `instructions`, else a leading `system` or `developer` turn.
 */
export function systemOf(wire: Wire, body: Json): unknown {
  if (wire === 'messages') return typeof body.system === 'string' ? body.system : textOf(body.system);
  if (wire === 'responses' && body.instructions !== undefined) return body.instructions;
  const first = turnsOf(wire, body)[0] ?? {};
  return first.role === 'system' || first.role === 'developer' ? first.content : undefined;
}

/** The tools `body` offers, in order. */
export function toolsOf(wire: Wire, body: Json): OfferedTool[] {
  return asArray(body.tools)
    .map(asJson)
    .map((entry) => {
      if (wire === 'chat') return { name: asJson(entry.function).name, schema: asJson(entry.function).parameters };
      return { name: entry.name, schema: wire === 'messages' ? entry.input_schema : entry.parameters };
    });
}

/** The tool calls (id and name) and tool outputs (call id and text) of the conversation of `body`. */
export function callsAndOutputsOf(wire: Wire, body: Json): CallsAndOutputs {
  const turns = turnsOf(wire, body);
  if (wire === 'responses') {
    return {
      calls: turns.filter((item) => item.type === 'function_call').map((item) => ({ id: String(item.call_id), name: String(item.name) })),
      outputs: turns
        .filter((item) => item.type === 'function_call_output')
        .map((item) => ({ id: String(item.call_id), output: textOf(item.output) })),
    };
  }
  if (wire === 'chat') {
    return {
      calls: turns
        .flatMap((message) => asArray(message.tool_calls).map(asJson))
        .map((call) => ({ id: String(call.id), name: String(asJson(call.function).name) })),
      outputs: turns
        .filter((message) => message.role === 'tool')
        .map((message) => ({ id: String(message.tool_call_id), output: textOf(message.content) })),
    };
  }
  const blocks = turns.flatMap((message) => asArray(message.content).map(asJson));
  return {
    calls: blocks.filter((block) => block.type === 'tool_use').map((block) => ({ id: String(block.id), name: String(block.name) })),
    outputs: blocks
      .filter((block) => block.type === 'tool_result')
      .map((block) => ({ id: String(block.tool_use_id), output: textOf(block.content) })),
  };
}

/** Whether the conversation of `body` ends with tool output: the model's turn after a call. */
export function endsWithToolOutput(wire: Wire, body: Json): boolean {
  const last = turnsOf(wire, body).at(-1) ?? {};
  if (wire === 'responses') return last.type === 'function_call_output';
  if (wire === 'chat') return last.role === 'tool';
  return asArray(last.content).some((block) => asJson(block).type === 'tool_result');
}

/**
 * The JSON schema of the structured output `body` asks for: its response format, or the forced
 * `json` tool `@ai-sdk/anthropic` asks with for a model it does not know (its `jsonTool` mode).
 */
export function outputSchemaOf(wire: Wire, body: Json): unknown {
  const jsonTool = toolsOf(wire, body).find((entry) => entry.name === 'json');
  if (jsonTool) return jsonTool.schema;
  if (wire === 'responses') return asJson(asJson(body.text).format).schema;
  if (wire === 'chat') return asJson(asJson(body.response_format).json_schema).schema;
  return asJson(asJson(body.output_config).format).schema;
}

/** The reasoning effort `body` asks for (DESIGN section 10: Anthropic's `output_config.effort`). */
export function effortOf(wire: Wire, body: Json): unknown {
  if (wire === 'responses') return asJson(body.reasoning).effort;
  if (wire === 'chat') return body.reasoning_effort;
  return asJson(body.output_config).effort;
}

/** The output token limit `body` sets: on chat completions `max_completion_tokens`, else the older `max_tokens`. */
export function maxTokensOf(wire: Wire, body: Json): unknown {
  if (wire === 'responses') return body.max_output_tokens;
  if (wire === 'chat') return body.max_completion_tokens ?? body.max_tokens;
  return body.max_tokens;
}
