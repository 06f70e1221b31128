/**
 * The seven route kinds a streamed request can take (each client dialect passed through or
 * translated), and the frames of each upstream wire format, for probes that run one check on every
 * route.
 */
import type { FakeUpstream } from './fake-upstream';

/** An upstream wire format. */
export type Wire = 'chat' | 'messages' | 'responses';

/** The frames of one upstream stream: its opening, one text piece, and its end. */
export interface WireFrames {
  start: string;
  piece: string;
  end: string;
}

/** Each wire format's frames, with `text` as the piece's text. */
export function wireFrames(text: string): Record<Wire, WireFrames> {
  return {
    chat: {
      start: chatChunk({ role: 'assistant', content: '' }),
      piece: chatChunk({ content: text }),
      end: `${chatChunk({}, 'stop')}data: [DONE]\n\n`,
    },
    messages: {
      start:
        event('message_start', {
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'm',
            content: [],
            stop_reason: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          },
        }) + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      piece: event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      end:
        event('content_block_stop', { index: 0 }) +
        event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }) +
        event('message_stop'),
    },
    responses: {
      start: event('response.created', {
        sequence_number: 0,
        response: { id: 'resp_1', object: 'response', status: 'in_progress', model: 'm', output: [] },
      }),
      piece: event('response.output_text.delta', { sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text }),
      end: event('response.completed', {
        sequence_number: 2,
        response: { id: 'resp_1', object: 'response', status: 'completed', model: 'm', output: [] },
      }),
    },
  };
}

function chatChunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
}

function event(type: string, payload: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** One route kind: where the client posts, what, and which fake answers in which wire format. */
export interface RouteCase {
  name: string;
  path: string;
  body: Record<string, unknown>;
  fake: () => FakeUpstream;
  wire: Wire;
}

/** The fakes a probe started, read when a case runs (they start in `beforeAll`). */
export interface RouteFakes {
  anthropic: () => FakeUpstream;
  openai: () => FakeUpstream;
  local: () => FakeUpstream;
}

const MESSAGES = [{ role: 'user', content: 'hi' }];

/** The seven route kinds, on a host whose env names `fakes` (`envFor({ anthropic, openai, local })`). */
export function routeCases(fakes: RouteFakes): RouteCase[] {
  return [
    {
      name: 'chat completions passed through',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o', messages: MESSAGES },
      fake: fakes.openai,
      wire: 'chat',
    },
    {
      name: 'chat completions translated to Anthropic',
      path: '/v1/chat/completions',
      body: { model: 'claude-sonnet-4-5', messages: MESSAGES },
      fake: fakes.anthropic,
      wire: 'messages',
    },
    {
      name: '/messages passed through',
      path: '/v1/messages',
      body: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: MESSAGES },
      fake: fakes.anthropic,
      wire: 'messages',
    },
    {
      name: '/messages translated to chat completions',
      path: '/v1/messages',
      body: { model: 'gpt-4o', max_tokens: 16, messages: MESSAGES },
      fake: fakes.openai,
      wire: 'chat',
    },
    { name: '/responses passed through', path: '/v1/responses', body: { model: 'gpt-4o', input: 'hi' }, fake: fakes.openai, wire: 'responses' },
    { name: '/responses bridged to llama-server', path: '/v1/responses', body: { model: 'qwen', input: 'hi' }, fake: fakes.local, wire: 'chat' },
    {
      name: '/responses translated to Anthropic',
      path: '/v1/responses',
      body: { model: 'claude-sonnet-4-5', input: 'hi' },
      fake: fakes.anthropic,
      wire: 'messages',
    },
  ];
}
