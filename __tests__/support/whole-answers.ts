/**
 * One whole answer per upstream wire format, with text, reasoning, a tool call and usage: what an
 * upstream that ignores `stream: true` sends to a streamed request.
 */

export const WHOLE_TEXT = 'The answer is 4.';
export const WHOLE_REASONING = 'Two and two make four.';
export const WHOLE_ARGUMENTS = { a: 2, b: 2 };

/** The tool the requests offer, in each client dialect. */
export const ADD_TOOL = {
  chat: {
    type: 'function' as const,
    function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } },
  },
  messages: { name: 'add', input_schema: { type: 'object' as const, properties: { a: { type: 'number' }, b: { type: 'number' } } } },
  responses: {
    type: 'function' as const,
    name: 'add',
    strict: false,
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
  },
};

/** A `chat.completion` as llama-server answers (reasoning in `reasoning_content`, its `timings`), `text` its text. */
export function chatAnswer(model: string, text = WHOLE_TEXT): Record<string, unknown> {
  return {
    id: 'chatcmpl-whole',
    object: 'chat.completion',
    created: 1_760_000_000,
    model,
    system_fingerprint: 'fp_whole',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          reasoning_content: WHOLE_REASONING,
          tool_calls: [{ id: 'call_add_1', type: 'function', function: { name: 'add', arguments: JSON.stringify(WHOLE_ARGUMENTS) } }],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 31, completion_tokens: 17, total_tokens: 48 },
    timings: { prompt_n: 31, predicted_n: 17 },
  };
}

/** An Anthropic `message` with a signed thinking block, text and a tool call. */
export function messagesAnswer(model: string, text = WHOLE_TEXT): Record<string, unknown> {
  return {
    id: 'msg_whole',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      { type: 'thinking', thinking: WHOLE_REASONING, signature: 'c2lnbmF0dXJl' },
      { type: 'text', text },
      { type: 'tool_use', id: 'toolu_whole_1', name: 'add', input: WHOLE_ARGUMENTS },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 31, output_tokens: 17, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  };
}

/** A Responses `response` with a reasoning summary, a message and a function call. */
export function responsesAnswer(model: string, text = WHOLE_TEXT): Record<string, unknown> {
  return {
    id: 'resp_whole',
    object: 'response',
    created_at: 1_760_000_000,
    status: 'completed',
    model,
    output: [
      { id: 'rs_whole', type: 'reasoning', summary: [{ type: 'summary_text', text: WHOLE_REASONING }] },
      {
        id: 'msg_whole',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
      },
      { id: 'fc_whole', type: 'function_call', call_id: 'call_add_1', name: 'add', arguments: JSON.stringify(WHOLE_ARGUMENTS), status: 'completed' },
    ],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: {
      input_tokens: 31,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 17,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 48,
    },
    error: null,
    incomplete_details: null,
  };
}
