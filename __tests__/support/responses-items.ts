/**
 * A Responses API upstream scripted item by item, for sessions that move between providers: the
 * test gives the output items of each turn (a `reasoning` item with its summary and encrypted
 * content, calls of function, custom and namespace tools, a message), and the fake streams them as
 * the API does. With `checkItems` it also refuses, in OpenAI's words, what OpenAI's own Responses
 * API refuses in a stateless (`store: false`) conversation that a router may have put together:
 *
 * - an item `id` without the prefix of its type (`msg_`, `rs_`, `fc_`, `ctc_`);
 * - a `call_id` over 64 characters;
 * - a `reasoning` item whose `encrypted_content` this API did not issue ("could not be verified");
 * - a `reasoning` item without `encrypted_content` under `store: false`: the API looks its id up,
 *   finds nothing stored, and answers 404;
 * - a `reasoning` item not followed by the item it reasoned for (a message or a call).
 *
 * The other checks of `responses-wire.ts` (auth, fields, pairing of calls and outputs) run first.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type FakeHandler } from './fake-server';
import { asArray, asJson, type Json } from './json-shape';
import { RESPONSES_APIS, responsesRequestProblem, sendResponsesError, type ResponsesFlavour, type ResponsesProblem } from './responses-wire';
import { sendFrames } from './upstream-answers';

/** One output item of a scripted turn. */
export type ScriptedItem =
  | { type: 'reasoning'; summary: string }
  | { type: 'function_call'; name: string; arguments: string; callId: string; namespace?: string }
  | { type: 'custom_tool_call'; name: string; input: string; callId: string }
  | { type: 'message'; text: string };

/** The turn for a request (its body): the output items, in order. */
export type ItemScript = (body: Json) => ScriptedItem[];

/** How the scripted API behaves. */
export interface ScriptedResponsesOptions {
  /** Refuse what OpenAI's Responses API refuses in a stateless conversation (above). */
  checkItems?: boolean;
  /**
   * The `encrypted_content` of the API's own reasoning items (the n-th it issues): OpenAI's start
   * `gAAAAAB`; `null` sends none (a model whose reasoning is text only, behind OpenRouter).
   */
  encrypt?: ((n: number) => string) | null;
}

/** OpenAI's encrypted reasoning: an opaque Fernet token, different for every item. */
export const openAIEncrypted = (n: number): string => `gAAAAAB${Buffer.from(`openai-reasoning-${n}`).toString('base64')}`;

/** The prefix OpenAI gives the `id` of each item type it checks. */
const ID_PREFIXES: Record<string, string> = { message: 'msg', reasoning: 'rs', function_call: 'fc', custom_tool_call: 'ctc' };
/** The longest `call_id` the API takes. */
const MAX_CALL_ID = 64;

/**
 * A Responses API (`flavour`'s path and keep-alive comments) that answers each request with the
 * items `script` gives for it, streamed (`stream: true`, as Codex asks) or not at all.
 */
export function scriptedResponsesApi(flavour: ResponsesFlavour, script: ItemScript, options: ScriptedResponsesOptions = {}): FakeHandler {
  const api = RESPONSES_APIS[flavour];
  const encrypt = options.encrypt === undefined ? openAIEncrypted : options.encrypt;
  const issued = new Set<string>();
  let items = 0;
  return (request, res) => {
    if (pathOf(request) !== `${api.prefix}/responses` || request.method !== 'POST') return false;
    const problem = responsesRequestProblem(api, request) ?? (options.checkItems ? statelessProblem(request.body!, issued) : undefined);
    if (problem) {
      sendResponsesError(res, problem.status, problem.message, problem);
      return true;
    }
    const body = request.body!;
    const output = script(body).map((item) => outputItem(item, ++items, encrypt, issued));
    sendTurn(res, output, String(body.model), api.leadingComments);
    return true;
  };
}

function outputItem(item: ScriptedItem, n: number, encrypt: ((n: number) => string) | null, issued: Set<string>): Json {
  const hex = n.toString(16).padStart(16, '0');
  switch (item.type) {
    case 'reasoning': {
      const summary = [{ type: 'summary_text', text: item.summary }];
      if (!encrypt) return { id: `rs_${hex}`, type: 'reasoning', summary };
      const encrypted = encrypt(n);
      issued.add(encrypted);
      return { id: `rs_${hex}`, type: 'reasoning', summary, encrypted_content: encrypted };
    }
    case 'function_call':
      return {
        id: `fc_${hex}`,
        type: 'function_call',
        status: 'completed',
        call_id: item.callId,
        name: item.name,
        arguments: item.arguments,
        ...(item.namespace ? { namespace: item.namespace } : {}),
      };
    case 'custom_tool_call':
      return { id: `ctc_${hex}`, type: 'custom_tool_call', status: 'completed', call_id: item.callId, name: item.name, input: item.input };
    case 'message':
      return {
        id: `msg_${hex}`,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: item.text, annotations: [] }],
      };
  }
}

/** Streams one turn: created, in progress, each item added and done (a message's text as a delta too), completed. */
function sendTurn(res: ServerResponse, output: Json[], model: string, leadingComments: string[]): void {
  let sequence = 0;
  const frame = (type: string, fields: Json): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
  const response = (status: string, done: Json[], usage: Json | null): Json => ({
    id: 'resp_scripted_1',
    object: 'response',
    created_at: 1795781041,
    status,
    model,
    output: done,
    store: false,
    usage,
    error: null,
    incomplete_details: null,
  });
  const frames = [...leadingComments, frame('response.created', { response: response('in_progress', [], null) })];
  frames.push(frame('response.in_progress', { response: response('in_progress', [], null) }));
  output.forEach((item, index) => {
    frames.push(frame('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } }));
    if (item.type === 'message') {
      const text = String(asJson(asArray(item.content)[0]).text);
      frames.push(frame('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: text, logprobs: [] }));
      frames.push(frame('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text, logprobs: [] }));
    }
    frames.push(frame('response.output_item.done', { output_index: index, item }));
  });
  const usage = {
    input_tokens: 1200,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 40,
    output_tokens_details: { reasoning_tokens: 20 },
    total_tokens: 1240,
  };
  frames.push(frame('response.completed', { response: response('completed', output, usage) }));
  sendFrames(res, frames);
}

function invalid(message: string, param: string | null, code: string | null, status = 400): ResponsesProblem {
  return { status, message, param, code, type: 'invalid_request_error' };
}

/** What OpenAI refuses in the items of a stateless conversation (see the file's comment); undefined when it takes them. */
export function statelessProblem(body: Json, issued: ReadonlySet<string>): ResponsesProblem | undefined {
  const input = asArray(body.input).map(asJson);
  for (const [i, item] of input.entries()) {
    const type = String(item.type ?? 'message');
    const prefix = ID_PREFIXES[type];
    if (prefix !== undefined && item.id !== undefined && !String(item.id).startsWith(`${prefix}_`)) {
      return invalid(
        `Invalid 'input[${i}].id': '${String(item.id)}'. Expected an ID that begins with '${prefix}'.`,
        `input[${i}].id`,
        'invalid_value',
      );
    }
    if (typeof item.call_id === 'string' && item.call_id.length > MAX_CALL_ID) {
      return invalid(
        `Invalid 'input[${i}].call_id': string too long. Expected a string with maximum length ${MAX_CALL_ID}, but got a string with length ${item.call_id.length} instead.`,
        `input[${i}].call_id`,
        'string_above_max_length',
      );
    }
    if (type !== 'reasoning') continue;
    const id = String(item.id);
    if (item.encrypted_content === undefined || item.encrypted_content === null) {
      if (body.store === false) {
        return invalid(
          `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
          'input',
          null,
          404,
        );
      }
    } else if (!issued.has(String(item.encrypted_content))) {
      return invalid(`The encrypted content for item ${id} could not be verified.`, null, 'invalid_encrypted_content');
    }
    const next = input[i + 1];
    const follows =
      next !== undefined &&
      (next.type === 'function_call' || next.type === 'custom_tool_call' || next.type === 'reasoning' || next.role === 'assistant');
    if (!follows) return invalid(`Item '${id}' of type 'reasoning' was provided without its required following item.`, 'input', null);
  }
  return undefined;
}
