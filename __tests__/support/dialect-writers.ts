/**
 * One abstract conversation (`dialect-conversation.ts`) written as a request in each client
 * dialect: OpenAI chat completions, Anthropic Messages and OpenAI Responses, each the way that
 * dialect's clients say it.
 */
import { PDF_DATA, PDF_NAME, type ClientDialect, type Conversation, type Effort, type Json } from './dialect-conversation';
import { ANTHROPIC_AGENT_SIGNATURE } from './messages-wire';

/** The `max_tokens` a Messages request states when the conversation sets none: the host's `ANTHROPIC_MAX_TOKENS`. */
export const ANTHROPIC_MAX_TOKENS = 3000;

/** Section 10's thinking budgets by effort (none and minimal have none a Messages client can send). */
export const BUDGETS: Record<Effort, number> = { none: 0, minimal: 0, low: 1024, medium: 2048, high: 4096, xhigh: 8192, max: 16384 };

/**
 * How reasoning is carried back: as text (to OpenAI-compatible providers), or as Anthropic's signed
 * thinking, which only Anthropic takes (section 10: chat clients carry it in `reasoning_details`).
 */
export interface WriteOptions {
  signed: boolean;
}

/** `c` as a chat completions request. */
export function asChat(c: Conversation, model: string, options: WriteOptions): Json {
  const messages: Json[] = [];
  const said = (text: string): unknown => (c.asParts ? [{ type: 'text', text }] : text);
  if (c.system !== undefined) messages.push({ role: 'system', content: said(c.system) });
  for (const turn of c.turns) {
    if (turn.role === 'user') {
      messages.push({
        role: 'user',
        content:
          turn.images || turn.more !== undefined || turn.pdf
            ? [
                { type: 'text', text: turn.text },
                ...(turn.images ?? []).map((url) => ({ type: 'image_url', image_url: { url } })),
                ...(turn.pdf ? [{ type: 'file', file: { filename: PDF_NAME, file_data: `data:application/pdf;base64,${PDF_DATA}` } }] : []),
                ...(turn.more === undefined ? [] : [{ type: 'text', text: turn.more }]),
              ]
            : said(turn.text),
      });
    } else if (turn.role === 'system') {
      messages.push({ role: 'system', content: turn.text });
    } else if (turn.role === 'assistant') {
      const message: Json = { role: 'assistant', content: turn.text === undefined ? null : said(turn.text) };
      if (turn.calls) {
        message.tool_calls = turn.calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args) },
        }));
      }
      if (turn.reasoning !== undefined) message.reasoning_content = turn.reasoning;
      if (turn.reasoning !== undefined && options.signed) {
        message.reasoning_details = [
          { type: 'reasoning.text', text: turn.reasoning, signature: ANTHROPIC_AGENT_SIGNATURE, format: 'anthropic-claude-v1' },
          // Section 10: "`reasoning.encrypted` with `data` for `redacted_thinking`".
          ...(turn.redacted === undefined ? [] : [{ type: 'reasoning.encrypted', data: turn.redacted, format: 'anthropic-claude-v1' }]),
        ];
      }
      messages.push(message);
    } else {
      // Chat has no error flag: an error result says so in its text, as section 9 has Messages' `is_error` say it.
      for (const result of turn.results)
        messages.push({ role: 'tool', tool_call_id: result.id, content: said(result.isError ? `Error: ${result.text}` : result.text) });
      // Section 9: a tool result's images "open the `user` message that follows the tool messages".
      const images = turn.results.flatMap((result) => (result.image ? [{ type: 'image_url', image_url: { url: result.image } }] : []));
      if (turn.followUp !== undefined)
        messages.push({ role: 'user', content: images.length > 0 ? [...images, { type: 'text', text: turn.followUp }] : turn.followUp });
    }
  }
  const body: Json = { model, messages };
  if (c.tools)
    body.tools = c.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.schema, strict: false },
    }));
  if (c.toolChoice !== undefined)
    body.tool_choice = typeof c.toolChoice === 'string' ? c.toolChoice : { type: 'function', function: { name: c.toolChoice.name } };
  if (c.parallel === false) body.parallel_tool_calls = false;
  if (c.maxTokens !== undefined) body[c.chatLimitField ?? 'max_tokens'] = c.maxTokens;
  if (c.temperature !== undefined) body.temperature = c.temperature;
  if (c.topP !== undefined) body.top_p = c.topP;
  if (c.stop) body.stop = c.stop.length === 1 ? c.stop[0] : c.stop;
  if (c.user !== undefined) body[c.userAs ?? 'user'] = c.user;
  if (c.schema) body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: c.schema } };
  if (c.effort) body.reasoning_effort = c.effort;
  if (c.stream) body.stream = true;
  return body;
}

/** An image as a Messages block: a base64 source for a data URL, else a url source. */
export const imageBlock = (url: string): Json =>
  url.startsWith('data:')
    ? { type: 'image', source: { type: 'base64', media_type: 'image/png', data: url.slice(url.indexOf(',') + 1) } }
    : { type: 'image', source: { type: 'url', url } };

/** `c` as an Anthropic Messages request. */
export function asMessages(c: Conversation, model: string): Json {
  const messages: Json[] = [];
  for (const turn of c.turns) {
    if (turn.role === 'user') {
      const images = (turn.images ?? []).map(imageBlock);
      // Section 9: "a base64 PDF becomes a chat `file` part ... `filename` is the block's `title`".
      if (turn.pdf) images.push({ type: 'document', title: PDF_NAME, source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA } });
      const more = turn.more === undefined ? [] : [{ type: 'text', text: turn.more }];
      messages.push({
        role: 'user',
        content: images.length + more.length > 0 || c.asParts ? [{ type: 'text', text: turn.text }, ...images, ...more] : turn.text,
      });
    } else if (turn.role === 'system') {
      // Section 8: "a `role:"system"` message inside `messages` stays a system message in its place".
      messages.push({ role: 'system', content: turn.text });
    } else if (turn.role === 'assistant') {
      const content: Json[] = [];
      // A signature Anthropic could have issued (neither the router's prefix nor empty): section 10.
      if (turn.reasoning !== undefined) content.push({ type: 'thinking', thinking: turn.reasoning, signature: ANTHROPIC_AGENT_SIGNATURE });
      // Section 8: translated, "`redacted_thinking` blocks are dropped".
      if (turn.redacted !== undefined) content.push({ type: 'redacted_thinking', data: turn.redacted });
      if (turn.text !== undefined) content.push({ type: 'text', text: turn.text });
      for (const call of turn.calls ?? []) content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.args });
      messages.push({ role: 'assistant', content });
    } else {
      const content: Json[] = turn.results.map((result) => ({
        type: 'tool_result',
        tool_use_id: result.id,
        content: result.image
          ? [{ type: 'text', text: result.text }, imageBlock(result.image)]
          : c.asParts
            ? [{ type: 'text', text: result.text }]
            : result.text,
        ...(result.isError ? { is_error: true } : {}),
      }));
      if (turn.followUp !== undefined) content.push({ type: 'text', text: turn.followUp });
      messages.push({ role: 'user', content });
    }
  }
  const body: Json = { model, max_tokens: c.maxTokens ?? ANTHROPIC_MAX_TOKENS, messages };
  if (c.system !== undefined) body.system = c.systemBlocks ? [{ type: 'text', text: c.system, cache_control: { type: 'ephemeral' } }] : c.system;
  if (c.tools) body.tools = c.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.schema }));
  if (c.claudeCode) {
    const billing = { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.197; cc_entrypoint=cli; cch=0a1b2;' };
    const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : ((body.system as Json[] | undefined) ?? []);
    body.system = [billing, ...system];
    body.tools ??= [];
    const tools = body.tools as Json[];
    if (tools.length > 0) tools[tools.length - 1] = { ...tools.at(-1), cache_control: { type: 'ephemeral' } };
    const last = messages.at(-1)!;
    const blocks = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...(last.content as Json[])];
    blocks[blocks.length - 1] = { ...blocks.at(-1), cache_control: { type: 'ephemeral' } };
    last.content = blocks;
    body.context_management = { edits: [{ type: 'clear_tool_uses_20250919' }] };
  }
  if (c.toolChoice !== undefined || c.parallel === false) {
    const choice = c.toolChoice ?? 'auto';
    const toolChoice: Json = typeof choice === 'object' ? { type: 'tool', name: choice.name } : { type: choice === 'required' ? 'any' : choice };
    if (c.parallel === false) toolChoice.disable_parallel_tool_use = true;
    body.tool_choice = toolChoice;
  }
  if (c.temperature !== undefined) body.temperature = c.temperature;
  if (c.topP !== undefined) body.top_p = c.topP;
  if (c.stop) body.stop_sequences = c.stop;
  if (c.user !== undefined) body.metadata = { user_id: c.user };
  const outputConfig: Json = {};
  if (c.schema) outputConfig.format = { type: 'json_schema', schema: c.schema };
  if (c.effort === 'none') body.thinking = { type: 'disabled' };
  else if (c.effort) {
    if (c.thinkingAs === 'budget') body.thinking = { type: 'enabled', budget_tokens: BUDGETS[c.effort] };
    else {
      body.thinking = { type: 'adaptive', display: 'summarized' };
      outputConfig.effort = c.effort;
    }
  }
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig;
  if (c.stream) body.stream = true;
  return body;
}

/** `c` as a Responses API request. */
export function asResponses(c: Conversation, model: string): Json {
  const input: Json[] = [];
  const body: Json = { model, input };
  if (c.system !== undefined) {
    if (c.systemAs === 'developer')
      input.push({ type: 'message', role: 'developer', content: c.asParts ? [{ type: 'input_text', text: c.system }] : c.system });
    else body.instructions = c.system;
  }
  let reasoningIds = 0;
  for (const turn of c.turns) {
    if (turn.role === 'user') {
      input.push({
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: turn.text },
          ...(turn.images ?? []).map((url) => ({ type: 'input_image', image_url: url, detail: 'auto' })),
          ...(turn.pdf ? [{ type: 'input_file', filename: PDF_NAME, file_data: `data:application/pdf;base64,${PDF_DATA}` }] : []),
          ...(turn.more === undefined ? [] : [{ type: 'input_text', text: turn.more }]),
        ],
      });
    } else if (turn.role === 'system') {
      input.push({ type: 'message', role: 'developer', content: turn.text });
    } else if (turn.role === 'assistant') {
      if (turn.reasoning !== undefined) {
        // Section 10: a `reasoning` item without an envelope carries "its `reasoning_text` (or summary text)".
        input.push(
          c.reasoningAs === 'summary'
            ? { type: 'reasoning', id: `rs_${reasoningIds++}`, summary: [{ type: 'summary_text', text: turn.reasoning }] }
            : { type: 'reasoning', id: `rs_${reasoningIds++}`, summary: [], content: [{ type: 'reasoning_text', text: turn.reasoning }] },
        );
      }
      if (turn.text !== undefined)
        input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
      for (const call of turn.calls ?? [])
        input.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: JSON.stringify(call.args) });
    } else {
      for (const result of turn.results) {
        const output = result.isError ? `Error: ${result.text}` : result.text;
        input.push({
          type: 'function_call_output',
          call_id: result.id,
          output: result.image
            ? [
                { type: 'input_text', text: output },
                { type: 'input_image', image_url: result.image },
              ]
            : c.asParts
              ? [{ type: 'input_text', text: output }]
              : output,
        });
      }
      if (turn.followUp !== undefined) input.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: turn.followUp }] });
    }
  }
  if (c.tools)
    body.tools = c.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      parameters: tool.schema,
      strict: false,
    }));
  if (c.toolChoice !== undefined) body.tool_choice = typeof c.toolChoice === 'string' ? c.toolChoice : { type: 'function', name: c.toolChoice.name };
  if (c.parallel === false) body.parallel_tool_calls = false;
  if (c.maxTokens !== undefined) body.max_output_tokens = c.maxTokens;
  if (c.temperature !== undefined) body.temperature = c.temperature;
  if (c.topP !== undefined) body.top_p = c.topP;
  if (c.user !== undefined) body[c.userAs ?? 'user'] = c.user;
  if (c.schema) body.text = { format: { type: 'json_schema', name: 'output', schema: c.schema } };
  if (c.effort) body.reasoning = { effort: c.effort };
  if (c.stream) body.stream = true;
  // The Responses API has no stop sequences (section 11 carries none): `stop` is left out of this
  // dialect's version, and out of the others' when they are compared with it.
  body.store = false;
  return body;
}

/** Each dialect's writer. */
export const WRITERS: Record<ClientDialect, (c: Conversation, model: string, options: WriteOptions) => Json> = {
  chat: asChat,
  messages: asMessages,
  responses: asResponses,
};
