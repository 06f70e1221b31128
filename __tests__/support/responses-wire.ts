/**
 * The default answers of OpenAI's Responses API (`POST {prefix}/responses`), as OpenAI serves it
 * and as OpenRouter does (stateless, under `/api/v1`), from the recorded fixtures:
 *
 * - streamed (`stream: true`): the text stream, or the `function_call` stream when the request's
 *   last input item is a user message asking to run a command (`Run \`echo hi\` in the shell.`):
 *   a call to `exec_command` with that command. After a `function_call_output` the text again.
 * - not streamed: the `response` object of the same answer's `response.completed` event.
 *
 * A request is checked the way the API checks one, in the ways that matter to a router: a Bearer
 * token, `model` and `input` required, chat-completions parameters (`max_tokens`, `messages`,
 * `response_format`, ...) refused as moved, unknown parameters refused, chat-style nested function
 * tools refused (Responses tools are flat), message roles and content part types checked, every
 * tool output paired with an earlier call by `call_id`, and nothing stateful (`previous_response_id`,
 * `conversation`, `item_reference`: the fakes keep nothing). Errors are OpenAI's shape.
 *
 * Tests script other answers with `fake.handler` and the builders here: `responsesFrames` for a
 * stream (a given text, a given function call, the failed stream), `responsesObject` for JSON.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type RecordedRequest } from './fake-server';
import { sseFrames } from './fixtures';
import { parseSse } from './sse';
import { sendFrames, sendJson } from './upstream-answers';
import { asArray, asJson, type Json } from './json-shape';

/** The two providers whose own API serves `/responses`. */
export type ResponsesFlavour = 'openai' | 'openrouter';

/** What sets one Responses API apart. */
export interface ResponsesApi {
  flavour: ResponsesFlavour;
  /** The path prefix of the API (`/v1`; OpenRouter's `/api/v1`). */
  prefix: string;
  /** Comment frames written before the first event (OpenRouter's keep-alive comments). */
  leadingComments: string[];
  /** Request fields the API takes besides the common ones (OpenRouter's routing fields). */
  extraFields: ReadonlySet<string>;
}

/** OpenRouter's keep-alive comment, as it writes it while a model is starting. */
export const OPENROUTER_KEEPALIVE = ': OPENROUTER PROCESSING\n\n';

/** The Responses APIs of the built-in providers that serve one. */
export const RESPONSES_APIS: Record<ResponsesFlavour, ResponsesApi> = {
  openai: { flavour: 'openai', prefix: '/v1', leadingComments: [], extraFields: new Set() },
  openrouter: {
    flavour: 'openrouter',
    prefix: '/api/v1',
    leadingComments: [OPENROUTER_KEEPALIVE],
    extraFields: new Set(['provider', 'models', 'plugins', 'transforms', 'route', 'usage', 'session_id']),
  },
};

/** The recorded Responses streams. */
export const RESPONSES_FIXTURES = {
  /** A `reasoning` item, then a message "Hello from gpt-5.5."; `response.completed` with usage. */
  text: 'openai-responses-stream-text.sse',
  /** One `function_call` to `exec_command` with `{"cmd":"ls -la"}`. */
  functionCall: 'openai-responses-stream-function-call.sse',
  /** Text began, then `response.failed` with `response.error`. */
  failed: 'openai-responses-stream-failed.sse',
} as const;

/** The text of the text fixture's message. */
export const RESPONSES_FIXTURE_TEXT = 'Hello from gpt-5.5.';

/** The command and the tool that the function-call answer runs unless told otherwise. */
export const EXEC_COMMAND_TOOL = 'exec_command';

/** An answer of the fake: what a scripted handler or the default picks. */
export type ResponsesAnswer =
  /** The text fixture; `text` replaces its message's text. */
  | { type: 'text'; text?: string }
  /** The function-call fixture; each field given replaces the fixture's. */
  | { type: 'function_call'; name?: string; arguments?: string; callId?: string }
  /** The failed stream (streamed only). */
  | { type: 'failed' };

/** Answers `request` when its path is `{prefix}/responses` or below; returns false (nothing sent) otherwise. */
export function answerResponsesApi(api: ResponsesApi, request: RecordedRequest, res: ServerResponse): boolean {
  const path = pathOf(request);
  const base = `${api.prefix}/responses`;
  if (path !== base && !path.startsWith(`${base}/`)) return false;
  if (path !== base || request.method !== 'POST') {
    // Retrieval, deletion, cancel, compact and input_items all need a stored response; the fakes store none.
    sendResponsesError(res, 404, `No response found at ${request.method} ${path}.`, { type: 'invalid_request_error' });
    return true;
  }
  const problem = responsesRequestProblem(api, request);
  if (problem) {
    sendResponsesError(res, problem.status, problem.message, problem);
    return true;
  }
  const body = request.body!;
  const answer = defaultAnswer(body);
  if (body.stream === true) sendFrames(res, responsesFrames(answer, api.flavour));
  else sendJson(res, 200, responsesObject(answer));
  return true;
}

/** The answer the fake gives `body` unless a handler says otherwise. */
export function defaultAnswer(body: Json): ResponsesAnswer {
  const command = commandAskedFor(body);
  return command === undefined ? { type: 'text' } : { type: 'function_call', arguments: JSON.stringify({ cmd: command }) };
}

/**
 * The command the request's last input item asks to run (see `commandAskedIn`); undefined when
 * that item is not a user message asking one. A string `input` counts as one user message.
 */
export function commandAskedFor(body: Json): string | undefined {
  const text = typeof body.input === 'string' ? body.input : lastUserText(asArray(body.input));
  return text === undefined ? undefined : commandAskedIn(text);
}

/**
 * The command a user's text asks to run: text that starts with "run" or "execute", such as
 * "Run `echo tool-ran-ok` in the shell." or "Please run echo hi"; undefined for any other text.
 */
export function commandAskedIn(text: string): string | undefined {
  const match =
    /^(?:please\s+)?(?:run|execute)\s+(?:the\s+command\s+)?(`[^`]+`|'[^']+'|"[^"]+"|.+?)(?:\s+in\s+(?:the|a)\s+(?:shell|terminal))?\s*[.!]?\s*$/i.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const command = match[1]!.trim();
  return /^[`'"]/.test(command) ? command.slice(1, -1) : command;
}

function lastUserText(input: unknown[]): string | undefined {
  const last = asJson(input[input.length - 1]);
  if ((last.type !== undefined && last.type !== 'message') || last.role !== 'user') return undefined;
  if (typeof last.content === 'string') return last.content;
  return asArray(last.content)
    .map(asJson)
    .filter((part) => part.type === 'input_text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}

/**
 * The frames of a streamed answer, each with its closing blank line. Unchanged answers are the
 * fixture byte for byte; a replaced text or call is written into every event that carries it
 * (deltas, `.done` events, the done item and the completed response), as the API would.
 */
export function responsesFrames(answer: ResponsesAnswer, flavour: ResponsesFlavour = 'openai'): string[] {
  return [...RESPONSES_APIS[flavour].leadingComments, ...fixtureFramesOf(answer)];
}

/** The `response` object of a non-streamed answer: the one the stream's `response.completed` carries. */
export function responsesObject(answer: ResponsesAnswer): Json {
  if (answer.type === 'failed') throw new Error('the failed answer is a stream only');
  const frames = fixtureFramesOf(answer);
  const completed = parseSse(frames[frames.length - 1]!)[0]!;
  return asJson(asJson(JSON.parse(completed.data)).response);
}

function fixtureFramesOf(answer: ResponsesAnswer): string[] {
  switch (answer.type) {
    case 'failed':
      return sseFrames(RESPONSES_FIXTURES.failed);
    case 'text':
      return answer.text === undefined ? sseFrames(RESPONSES_FIXTURES.text) : withText(answer.text);
    case 'function_call':
      return answer.name === undefined && answer.arguments === undefined && answer.callId === undefined
        ? sseFrames(RESPONSES_FIXTURES.functionCall)
        : withCall(answer);
  }
}

/** Rewrites each `event:`/`data:` frame's payload with `edit`; comment frames pass unchanged. */
function rewriteFrames(frames: string[], edit: (payload: Json) => void): string[] {
  return frames.map((frame) => {
    const [parsed] = parseSse(frame);
    if (!parsed || parsed.event === undefined) return frame;
    const payload = asJson(JSON.parse(parsed.data));
    edit(payload);
    return `event: ${parsed.event}\ndata: ${JSON.stringify(payload)}\n\n`;
  });
}

/** `text` cut into `count` pieces of about equal length (the last ones may be empty). */
function pieces(text: string, count: number): string[] {
  const size = Math.ceil(text.length / count);
  return Array.from({ length: count }, (_, i) => text.slice(i * size, (i + 1) * size));
}

function withText(text: string): string[] {
  const frames = sseFrames(RESPONSES_FIXTURES.text);
  const deltaCount = frames.filter((frame) => frame.startsWith('event: response.output_text.delta\n')).length;
  const deltas = pieces(text, deltaCount);
  const setMessageText = (item: unknown): void => {
    const message = asJson(item);
    if (message.type === 'message') asArray(message.content).forEach((part) => (asJson(part).text = text));
  };
  return rewriteFrames(frames, (payload) => {
    switch (payload.type) {
      case 'response.output_text.delta':
        payload.delta = deltas.shift() ?? '';
        break;
      case 'response.output_text.done':
        payload.text = text;
        break;
      case 'response.content_part.done':
        asJson(payload.part).text = text;
        break;
      case 'response.output_item.done':
        setMessageText(payload.item);
        break;
      case 'response.completed':
        asArray(asJson(payload.response).output).forEach(setMessageText);
        break;
    }
  });
}

function withCall(answer: { name?: string; arguments?: string; callId?: string }): string[] {
  const frames = sseFrames(RESPONSES_FIXTURES.functionCall);
  const deltaCount = frames.filter((frame) => frame.startsWith('event: response.function_call_arguments.delta\n')).length;
  const deltas = answer.arguments === undefined ? undefined : pieces(answer.arguments, deltaCount);
  const setCall = (item: Json, complete: boolean): void => {
    if (item.type !== 'function_call') return;
    if (answer.name !== undefined) item.name = answer.name;
    if (answer.callId !== undefined) item.call_id = answer.callId;
    if (answer.arguments !== undefined && complete) item.arguments = answer.arguments;
  };
  return rewriteFrames(frames, (payload) => {
    switch (payload.type) {
      case 'response.output_item.added':
        setCall(asJson(payload.item), false);
        break;
      case 'response.function_call_arguments.delta':
        if (deltas) payload.delta = deltas.shift() ?? '';
        break;
      case 'response.function_call_arguments.done':
        if (answer.name !== undefined) payload.name = answer.name;
        if (answer.arguments !== undefined) payload.arguments = answer.arguments;
        break;
      case 'response.output_item.done':
        setCall(asJson(payload.item), true);
        break;
      case 'response.completed':
        asArray(asJson(payload.response).output).forEach((item) => setCall(asJson(item), true));
        break;
    }
  });
}

/** An error as the API reports one. */
export interface ResponsesProblem {
  status: number;
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** Answers with an error in OpenAI's shape: `{ error: { message, type, param, code } }`. */
export function sendResponsesError(res: ServerResponse, status: number, message: string, details: Partial<ResponsesProblem> = {}): void {
  sendJson(res, status, {
    error: { message, type: details.type ?? 'invalid_request_error', param: details.param ?? null, code: details.code ?? null },
  });
}

/** The request fields both APIs take. */
const FIELDS = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'max_tool_calls',
  'temperature',
  'top_p',
  'top_logprobs',
  'stream',
  'stream_options',
  'store',
  'include',
  'metadata',
  'previous_response_id',
  'conversation',
  'reasoning',
  'text',
  'truncation',
  'user',
  'safety_identifier',
  'prompt',
  'prompt_cache_key',
  'prompt_cache_retention',
  'service_tier',
  'background',
  'client_metadata',
  'context_management',
]);

/** Chat completions parameters that the Responses API refuses, with where they went. */
const MOVED: Record<string, string | undefined> = {
  max_tokens: 'max_output_tokens',
  max_completion_tokens: 'max_output_tokens',
  messages: 'input',
  response_format: 'text.format',
  functions: 'tools',
  function_call: 'tool_choice',
  reasoning_effort: 'reasoning.effort',
  verbosity: 'text.verbosity',
  n: undefined,
  stop: undefined,
  logprobs: undefined,
  seed: undefined,
  modalities: undefined,
  audio: undefined,
  prediction: undefined,
  web_search_options: undefined,
};

const ITEM_TYPES = new Set([
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'reasoning',
  'item_reference',
  'compaction',
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'tool_search_call',
  'tool_search_output',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'image_generation_call',
  'code_interpreter_call',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'additional_tools',
  'configuration_update',
]);
const INPUT_PARTS = new Set(['input_text', 'input_image', 'input_file', 'input_audio']);
const OUTPUT_PARTS = new Set(['output_text', 'refusal']);
const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
/** Output item types and the type of the item that answers each (by `call_id`). */
const CALL_OUTPUTS: Record<string, string> = { function_call_output: 'function_call', custom_tool_call_output: 'custom_tool_call' };

function invalid(message: string, param: string | null, code: string | null = null, status = 400): ResponsesProblem {
  return { status, message, param, code, type: 'invalid_request_error' };
}

/** What the API would refuse `request` for (status, message, param, code); undefined when it takes it. */
export function responsesRequestProblem(api: ResponsesApi, request: RecordedRequest): ResponsesProblem | undefined {
  const auth = request.headers.authorization;
  if (typeof auth !== 'string' || !/^Bearer \S+$/.test(auth)) {
    return invalid("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.", null, null, 401);
  }
  const body = request.body;
  if (!body || Array.isArray(body)) return invalid('We could not parse the JSON body of your request.', null);
  for (const field of Object.keys(body)) {
    if (field in MOVED) {
      const to = MOVED[field];
      const hint = to ? ` In the Responses API, this parameter has moved to '${to}'.` : '';
      return invalid(`Unsupported parameter: '${field}'.${hint}`, field, 'unsupported_parameter');
    }
    if (!FIELDS.has(field) && !api.extraFields.has(field)) return invalid(`Unknown parameter: '${field}'.`, field, 'unknown_parameter');
  }
  if (typeof body.model !== 'string' || body.model === '')
    return invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    return invalid(`Invalid type for 'stream': expected a boolean, but got ${typeof body.stream} instead.`, 'stream', 'invalid_type');
  }
  const stateful = statefulProblem(api, body);
  if (stateful) return stateful;
  if (body.input === undefined) return invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  return inputProblem(api, body.input) ?? toolsProblem(body.tools);
}

function statefulProblem(api: ResponsesApi, body: Json): ResponsesProblem | undefined {
  for (const field of ['previous_response_id', 'conversation'] as const) {
    if (body[field] === undefined || body[field] === null) continue;
    if (api.flavour === 'openrouter')
      return invalid(`Unsupported parameter: '${field}'. The Responses API here is stateless.`, field, 'unsupported_parameter');
    return field === 'previous_response_id'
      ? invalid(`Previous response with id '${String(body[field])}' not found.`, field, 'previous_response_not_found')
      : invalid(`Conversation with id '${JSON.stringify(body[field])}' not found.`, field, null, 404);
  }
  if (body.background === true) {
    return api.flavour === 'openrouter'
      ? invalid("Unsupported parameter: 'background'.", 'background', 'unsupported_parameter')
      : invalid('Background mode requires store=true.', 'background', 'invalid_value');
  }
  return undefined;
}

function inputProblem(api: ResponsesApi, input: unknown): ResponsesProblem | undefined {
  if (typeof input === 'string') return undefined;
  if (!Array.isArray(input))
    return invalid("Invalid type for 'input': expected one of a string or an array of input items.", 'input', 'invalid_type');
  if (input.length === 0) return invalid("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input', 'empty_array');
  const calls = new Map<string, string>();
  for (const [index, raw] of input.entries()) {
    const item = asJson(raw);
    const where = `input[${index}]`;
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    if (typeof type !== 'string' || !ITEM_TYPES.has(type))
      return invalid(`Invalid value: '${String(type)}' for '${where}.type'.`, `${where}.type`, 'invalid_value');
    if (type === 'message') {
      const problem = messageProblem(item, where);
      if (problem) return problem;
    } else if (type === 'item_reference') {
      return api.flavour === 'openrouter'
        ? invalid(`Unsupported input item type 'item_reference' at '${where}': nothing is stored.`, 'input', 'unsupported_parameter')
        : invalid(`Item with id '${String(item.id)}' not found.`, 'input', null, 404);
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      if (typeof item.call_id !== 'string' || typeof item.name !== 'string') {
        return invalid(
          `Missing required parameter: '${where}.${typeof item.call_id !== 'string' ? 'call_id' : 'name'}'.`,
          where,
          'missing_required_parameter',
        );
      }
      calls.set(item.call_id, type);
    } else if (type in CALL_OUTPUTS) {
      if (typeof item.call_id !== 'string') return invalid(`Missing required parameter: '${where}.call_id'.`, where, 'missing_required_parameter');
      if (calls.get(item.call_id) !== CALL_OUTPUTS[type]) {
        const what = type === 'function_call_output' ? 'function call' : 'custom tool call';
        return invalid(`No tool call found for ${what} output with call_id ${item.call_id}.`, 'input', null);
      }
    }
  }
  return undefined;
}

function messageProblem(item: Json, where: string): ResponsesProblem | undefined {
  if (typeof item.role !== 'string' || !ROLES.has(item.role)) {
    return invalid(
      `Invalid value: '${String(item.role)}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`,
      `${where}.role`,
      'invalid_value',
    );
  }
  if (typeof item.content === 'string') return undefined;
  if (!Array.isArray(item.content))
    return invalid(`Invalid type for '${where}.content': expected a string or an array.`, `${where}.content`, 'invalid_type');
  const allowed = item.role === 'assistant' ? OUTPUT_PARTS : INPUT_PARTS;
  for (const [index, part] of item.content.entries()) {
    const type = asJson(part).type;
    if (typeof type !== 'string' || !allowed.has(type)) {
      const supported = [...allowed].map((name) => `'${name}'`).join(', ');
      return invalid(`Invalid value: '${String(type)}'. Supported values are: ${supported}.`, `${where}.content[${index}].type`, 'invalid_value');
    }
  }
  return undefined;
}

function toolsProblem(tools: unknown): ResponsesProblem | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return invalid("Invalid type for 'tools': expected an array.", 'tools', 'invalid_type');
  for (const [index, raw] of tools.entries()) {
    const tool = asJson(raw);
    if (typeof tool.type !== 'string')
      return invalid(`Missing required parameter: 'tools[${index}].type'.`, `tools[${index}].type`, 'missing_required_parameter');
    // Responses function and custom tools are flat: `{ type, name, parameters }`, not chat's `{ type, function: {...} }`.
    if ((tool.type === 'function' || tool.type === 'custom' || tool.type === 'namespace') && typeof tool.name !== 'string') {
      return invalid(`Missing required parameter: 'tools[${index}].name'.`, `tools[${index}].name`, 'missing_required_parameter');
    }
  }
  return undefined;
}
