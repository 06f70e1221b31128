/**
 * Upstreams that misbehave as real ones do, in the two dialects a translated or bridged route
 * reads from its provider: chat completions (llama-server, OpenAI, OpenRouter) and Anthropic
 * Messages. Each misbehaviour is written once per dialect, as `fake.handler`s, so that one table
 * runs on every route: the Codex suite's bridged (`local/...`) and translated (`anthropic/...`)
 * routes, and Claude Code's translated ones (`openai/...`, `openrouter/...`).
 *
 * The answers are what the provider would write: its error bodies and statuses, `retry-after`,
 * its in-stream error shapes, streams cut at the worst moment, compressed bodies, other line endings.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { FakeHandler } from './fake-server';
import type { FakeUpstream } from './fake-upstream';
import { sendHeldStream, sendJson, UPSTREAM_REQUEST_ID } from './upstream-answers';
import { anthropicEvent, chatChunkFrame, DONE_FRAME, type ChunkIdentity } from './wire-frames';

/** The wire format a fake answers a translated or bridged route in. */
export type UpstreamDialect = 'chat' | 'messages';

/** Anthropic speaks Messages to the router; the others chat completions. */
export const dialectOf = (fake: FakeUpstream): UpstreamDialect => (fake.kind === 'anthropic' ? 'messages' : 'chat');

/** The text the misbehaving answers open with, before they fail (or go on). */
export const OPENING_TEXT = 'Partial answer';
/** The whole text of an answer that goes on after its opening. */
export const WHOLE_TEXT = `${OPENING_TEXT}, then the rest.`;
/** The reasoning an answer shows before its text. */
export const REASONING_TEXT = 'First I think about it, then I answer.';

const IDENTITY: ChunkIdentity = { id: 'chatcmpl-misbehaving-1', created: 1795781041, model: 'upstream-model' };

function messageStart(): string {
  return anthropicEvent('message_start', {
    message: {
      id: 'msg_misbehaving_1',
      type: 'message',
      role: 'assistant',
      model: 'upstream-model',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 1 },
    },
  });
}

/** The first frames of a text answer: the role, and the opening text. */
export function openingFrames(dialect: UpstreamDialect): string[] {
  if (dialect === 'chat') return [chatChunkFrame(IDENTITY, { role: 'assistant', content: '' }), chatChunkFrame(IDENTITY, { content: OPENING_TEXT })];
  return [
    messageStart(),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: OPENING_TEXT } }),
  ];
}

/** How a whole answer ends: its finish reason in chat's words. */
export type Finish = 'stop' | 'length';

/** The frames that end a text answer after `openingFrames`: the rest of `WHOLE_TEXT`, the finish reason, the terminator. */
export function closingFrames(dialect: UpstreamDialect, finish: Finish = 'stop'): string[] {
  const rest = WHOLE_TEXT.slice(OPENING_TEXT.length);
  if (dialect === 'chat') {
    return [
      chatChunkFrame(IDENTITY, { content: rest }),
      chatChunkFrame(IDENTITY, {}, finish, { extra: { usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 } } }),
      DONE_FRAME,
    ];
  }
  return [
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: rest } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('message_delta', {
      delta: { stop_reason: finish === 'stop' ? 'end_turn' : 'max_tokens', stop_sequence: null },
      usage: { output_tokens: 8 },
    }),
    anthropicEvent('message_stop'),
  ];
}

/** A whole text answer (`WHOLE_TEXT`), streamed. */
export const textFrames = (dialect: UpstreamDialect, finish: Finish = 'stop'): string[] => [
  ...openingFrames(dialect),
  ...closingFrames(dialect, finish),
];

/**
 * Reasoning (`REASONING_TEXT`, in two deltas), then the whole text answer. On chat the reasoning is
 * in `field`: llama-server's `reasoning_content`, or the `reasoning` of OpenRouter, vLLM and Ollama.
 */
export function reasoningThenTextFrames(dialect: UpstreamDialect, field: 'reasoning_content' | 'reasoning' = 'reasoning_content'): string[] {
  const [first, second] = [REASONING_TEXT.slice(0, 10), REASONING_TEXT.slice(10)];
  if (dialect === 'chat') {
    return [
      chatChunkFrame(IDENTITY, { role: 'assistant', content: null, [field]: first }),
      chatChunkFrame(IDENTITY, { [field]: second }),
      chatChunkFrame(IDENTITY, { content: OPENING_TEXT }),
      ...closingFrames(dialect),
    ];
  }
  return [
    messageStart(),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: first } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: second } }),
    anthropicEvent('content_block_delta', {
      index: 0,
      delta: { type: 'signature_delta', signature: 'EqUBCkYIBxgCKkBtaXNiZWhhdmluZy11cHN0cmVhbQ==' },
    }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: WHOLE_TEXT } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } }),
    anthropicEvent('message_stop'),
  ];
}

/** An answer with nothing in it: chat's `[DONE]` alone; Anthropic's message with no block. */
export function emptyFrames(dialect: UpstreamDialect): string[] {
  if (dialect === 'chat') return [DONE_FRAME];
  return [
    messageStart(),
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } }),
    anthropicEvent('message_stop'),
  ];
}

/** One tool call: its id, its name and its arguments (a JSON text). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** How a tool call's frames are cut. */
export interface ToolCallShape {
  /** Characters per argument piece. */
  pieceLength: number;
  /** Chat: argument pieces come before the id and name, which arrive with the last piece. */
  identityLate?: boolean;
  /** Chat: the name never arrives. */
  nameless?: boolean;
  /** Stop after this many argument pieces, in the middle of the arguments: no finish, no terminator. */
  cutAfterPieces?: number;
}

function pieces(text: string, length: number): string[] {
  return Array.from({ length: Math.ceil(text.length / length) }, (_, i) => text.slice(i * length, (i + 1) * length));
}

/** A streamed answer that calls one tool, cut into argument pieces as `shape` says. */
export function toolCallFrames(dialect: UpstreamDialect, call: ToolCall, shape: ToolCallShape): string[] {
  const argumentPieces = pieces(call.arguments, shape.pieceLength);
  const cut = shape.cutAfterPieces !== undefined;
  const sent = cut ? argumentPieces.slice(0, shape.cutAfterPieces) : argumentPieces;
  if (dialect === 'messages') {
    return [
      messageStart(),
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      ...sent.map((piece) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } })),
      ...(cut
        ? []
        : [
            anthropicEvent('content_block_stop', { index: 0 }),
            anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
            anthropicEvent('message_stop'),
          ]),
    ];
  }
  const identity = { id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
  const anonymous = shape.nameless ? { id: call.id, type: 'function' } : undefined;
  const frames = sent.map((piece, i) => {
    const first = i === 0;
    const last = i === sent.length - 1;
    const head = shape.identityLate ? (last ? (anonymous ?? identity) : {}) : first ? (anonymous ?? identity) : {};
    const fn = { ...((head as { function?: object }).function ?? {}), arguments: piece };
    return chatChunkFrame(IDENTITY, {
      ...(first ? { role: 'assistant', content: null } : {}),
      tool_calls: [{ index: 0, ...head, function: fn }],
    });
  });
  if (cut) return frames;
  return [...frames, chatChunkFrame(IDENTITY, {}, 'tool_calls'), DONE_FRAME];
}

/** The frames with every line ending written as `eol` (CRLF, or a lone CR). */
export const withLineEndings = (frames: string[], eol: '\r\n' | '\r'): string[] => frames.map((frame) => frame.replace(/\n/g, eol));

/** An error as the provider words it, with its HTTP status. */
export interface ProviderError {
  status: number;
  message: string;
  /** The error's type in the provider's own words (Anthropic's `rate_limit_error`, OpenAI's `server_error`). */
  type: string;
  headers?: Record<string, string>;
}

/** The error's body as the provider writes it. */
export function errorBody(dialect: UpstreamDialect, error: ProviderError): Record<string, unknown> {
  if (dialect === 'messages') return { type: 'error', error: { type: error.type, message: error.message }, request_id: 'req_011Misbehaving' };
  return { error: { message: error.message, type: error.type, param: null, code: error.type } };
}

/** Answers every request with the provider's error. */
export const refuseWith =
  (fake: FakeUpstream, error: ProviderError): FakeHandler =>
  (_request, res) =>
    sendJson(res, error.status, errorBody(dialectOf(fake), error), error.headers);

/** Answers every request with the provider's error, its body gzip-compressed whatever the request's `accept-encoding`. */
export const refuseGzipped =
  (fake: FakeUpstream, error: ProviderError): FakeHandler =>
  (_request, res) => {
    res.writeHead(error.status, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-request-id': UPSTREAM_REQUEST_ID });
    res.end(gzipSync(Buffer.from(JSON.stringify(errorBody(dialectOf(fake), error)))));
  };

/** The page a proxy in front of the provider (Cloudflare, nginx) answers a 502 with. */
export const PROXY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n';

/** Answers every request with a proxy's HTML 502 page. */
export const proxyBadGateway: FakeHandler = (_request, res) => {
  res.writeHead(502, { 'content-type': 'text/html', server: 'cloudflare' });
  res.end(PROXY_PAGE);
};

/** Answers with the first half of a whole JSON answer, then ends: a body cut short. */
export function cutJson(res: ServerResponse, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': UPSTREAM_REQUEST_ID });
  res.end(text.slice(0, Math.floor(text.length / 2)));
}

/** Answers with `frames` as one gzip-compressed stream, whatever the request's `accept-encoding`. */
export function streamGzipped(res: ServerResponse, frames: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'x-request-id': UPSTREAM_REQUEST_ID });
  res.end(gzipSync(Buffer.from(frames.join(''))));
}

/** Sends the response headers and `frames` (none, to stay silent from the start), then holds the stream open and silent (until the router gives up on it). */
export function streamThenSilence(res: ServerResponse, frames: string[]): void {
  sendHeldStream(res, frames, frames.length - 1);
  // Node holds the headers back until the first body byte: with no frames, send them now.
  res.flushHeaders();
}

/** Where a chat provider writes its in-stream error: beside `choices` (OpenRouter), or in a chunk of its own. */
export type InStreamErrorPlace = 'choices' | 'alone';

/**
 * A provider's error inside a 200 stream after its opening, as each provider writes it: on chat,
 * OpenRouter's `error` with its HTTP status as `code`; on Messages, `event: error` with Anthropic's
 * type for that status.
 */
export function inStreamErrorFrames(dialect: UpstreamDialect, message: string, place: InStreamErrorPlace, code = 502): string[] {
  if (dialect === 'messages') {
    const type = code === 429 ? 'rate_limit_error' : code === 529 ? 'overloaded_error' : 'api_error';
    return [...openingFrames(dialect), `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`];
  }
  const error = { code, message, metadata: { provider_name: 'Lambda' } };
  const frame =
    place === 'choices'
      ? chatChunkFrame(IDENTITY, { content: '' }, 'error', { extra: { error } })
      : `data: ${JSON.stringify({ id: IDENTITY.id, object: 'chat.completion.chunk', created: IDENTITY.created, model: IDENTITY.model, error })}\n\n`;
  return [...openingFrames(dialect), frame];
}

/** A whole non-streamed answer of `WHOLE_TEXT`, as the provider writes it. */
export function wholeAnswer(dialect: UpstreamDialect, text = WHOLE_TEXT): Record<string, unknown> {
  if (dialect === 'messages') {
    return {
      id: 'msg_misbehaving_2',
      type: 'message',
      role: 'assistant',
      model: 'upstream-model',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 8 },
    };
  }
  return {
    id: 'chatcmpl-misbehaving-2',
    object: 'chat.completion',
    created: IDENTITY.created,
    model: IDENTITY.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
  };
}
