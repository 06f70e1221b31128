import { toAnthropicRequest } from '../../../../lib/dialects/messages/from-chat/request';
import { ProviderRouterError } from '../../../../lib/errors';
import type { ChatCompletionRequest } from '../../../../lib/dialects/chat/wire';
import { createAnthropicProvider } from '../../../../lib/providers/anthropic';
import { thrownBy } from '../../../support/rejection';

const options = { upstreamModel: 'claude-sonnet-5-5', defaultMaxTokens: 4096, omitSamplingParameters: false };

function request(overrides: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return { model: 'anthropic/claude-sonnet-5-5', messages: [{ role: 'user', content: 'Hi' }], ...overrides };
}

/** The translation, then what the Anthropic adapter adds: its `max_tokens` default and its version's rules. */
function translate(overrides: Partial<ChatCompletionRequest> = {}, opts: Partial<typeof options> = {}) {
  const { upstreamModel, defaultMaxTokens, omitSamplingParameters } = { ...options, ...opts };
  const adapter = createAnthropicProvider({
    apiKey: 'sk-ant-test',
    maxTokens: defaultMaxTokens,
    version: omitSamplingParameters ? '2026-10-21' : '2023-06-01',
  });
  const body = request(overrides);
  const translated = toAnthropicRequest(body, { upstreamModel });
  return adapter.adaptRequest!(translated, {
    endpoint: 'chat.completions',
    clientDialect: 'openai',
    upstreamDialect: 'anthropic',
    clientBody: body,
  }) as typeof translated;
}

function expectInvalid(body: ChatCompletionRequest, messagePart: RegExp): void {
  const error = thrownBy(() => toAnthropicRequest(body, options), ProviderRouterError);
  expect(error.code).toBe('invalid_request');
  expect(error.status).toBe(400);
  expect(error.message).toMatch(messagePart);
}

const toolCall = (id: string, args: string) => ({
  id,
  type: 'function' as const,
  function: { name: 'get_weather', arguments: args },
});

describe('toAnthropicRequest', () => {
  describe('model and max_tokens', () => {
    it('sends the upstream model, not the model the client asked for', () => {
      expect(translate().model).toBe('claude-sonnet-5-5');
    });

    it('takes max_tokens from max_tokens', () => {
      expect(translate({ max_tokens: 100 }).max_tokens).toBe(100);
    });

    it('takes max_tokens from max_completion_tokens', () => {
      expect(translate({ max_completion_tokens: 200 }).max_tokens).toBe(200);
    });

    it('falls back to defaultMaxTokens when the client gives none', () => {
      expect(translate({ max_tokens: null }).max_tokens).toBe(4096);
      expect(translate({}, { defaultMaxTokens: 1234 }).max_tokens).toBe(1234);
    });

    it('rejects a max_tokens that is not a positive integer', () => {
      expectInvalid(request({ max_tokens: 0 }), /max_tokens/);
    });
  });

  describe('system and developer messages', () => {
    it('joins all system and developer messages into the top-level system string', () => {
      const out = translate({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Never use emoji.' },
        ],
      });
      expect(out.system).toBe('You are terse.\n\nAnswer in French.\n\nNever use emoji.');
      expect(out.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    });

    it('sends no system field when there is no system message', () => {
      expect(translate()).not.toHaveProperty('system');
    });
  });

  describe('message content', () => {
    it('keeps plain user and assistant text', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'How are you?' },
        ],
      });
      expect(out.messages).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'How are you?' },
      ]);
    });

    it('converts multi-part text and a base64 data URL image', () => {
      const out = translate({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      });
      expect(out.messages[0]?.content).toEqual([
        { type: 'text', text: 'What is this?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ]);
    });

    it('converts an http(s) image URL to a url source', () => {
      const out = translate({
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] }],
      });
      expect(out.messages[0]?.content).toEqual([{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } }]);
    });

    it('rejects an image URL that is neither a data URL nor http(s)', () => {
      expectInvalid(
        request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/cat.jpg' } }] }] }),
        /image_url.*data URL.*http\(s\)/,
      );
    });

    it('rejects a content part type Anthropic cannot take', () => {
      expectInvalid(request({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }), /input_audio/);
    });
  });

  describe('tool calls and tool results', () => {
    it('turns assistant tool_calls into tool_use blocks after the text block', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: 'Let me check.', tool_calls: [toolCall('call_1', '{"location":"Paris"}')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
      });
      expect(out.messages[1]).toEqual({
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
        ],
      });
    });

    it('sends only tool_use blocks when the assistant content is null', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{}')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
      });
      expect(out.messages[1]?.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }]);
    });

    it('reads empty-string tool call arguments as an empty input object', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
      });
      expect(out.messages[1]?.content).toEqual([{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }]);
    });

    it('rejects tool call arguments that are not valid JSON', () => {
      expectInvalid(
        request({
          messages: [
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{"location":')] },
          ],
        }),
        /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
      );
    });

    it('rejects tool call arguments that are JSON but not an object', () => {
      expectInvalid(
        request({
          messages: [
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '[1,2]')] },
          ],
        }),
        /must be a JSON object/,
      );
    });

    it('rejects a tool message without tool_call_id', () => {
      expectInvalid(request({ messages: [{ role: 'tool', content: '18C' }] }), /messages\[0\]\.tool_call_id/);
    });

    it('turns a tool message into a user turn of tool_result blocks', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{}')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
      });
      expect(out.messages[2]).toEqual({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18C' }],
      });
    });

    it('merges consecutive tool messages into one user turn', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{}'), toolCall('call_2', '{}')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: '24C' },
        ],
      });
      expect(out.messages).toHaveLength(3);
      expect(out.messages[2]).toEqual({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: '24C' },
        ],
      });
    });

    it('merges a user message that follows tool messages into the same user turn, after the results', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{}')] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'user', content: 'And tomorrow?' },
        ],
      });
      expect(out.messages).toHaveLength(3);
      expect(out.messages[2]).toEqual({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      });
    });

    it('converts multi-part tool message content into tool_result content blocks', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [toolCall('call_1', '{}')] },
          { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '18C' }] },
        ],
      });
      expect(out.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '18C' }] }]);
    });
  });

  describe('role alternation', () => {
    it('merges consecutive user messages into one turn', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'First.' },
          { role: 'user', content: 'Second.' },
        ],
      });
      expect(out.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'First.' },
            { type: 'text', text: 'Second.' },
          ],
        },
      ]);
    });

    it('merges consecutive assistant messages into one turn', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'One.' },
          { role: 'assistant', content: 'Two.' },
        ],
      });
      expect(out.messages).toHaveLength(2);
      expect(out.messages[1]).toEqual({
        role: 'assistant',
        content: [
          { type: 'text', text: 'One.' },
          { type: 'text', text: 'Two.' },
        ],
      });
    });

    it('merges the user turns around a system message that sits between them', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'First.' },
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Second.' },
        ],
      });
      expect(out.messages).toHaveLength(1);
      expect(out.messages[0]?.role).toBe('user');
    });
  });

  describe('invalid messages', () => {
    it('rejects messages that are not an array', () => {
      expectInvalid({ model: 'x', messages: 'Hi' } as unknown as ChatCompletionRequest, /messages must be a non-empty array/);
    });

    it('rejects an empty messages array', () => {
      expectInvalid(request({ messages: [] }), /messages must be a non-empty array/);
    });

    it('rejects a message with an unknown role', () => {
      expectInvalid(request({ messages: [{ role: 'robot', content: 'beep' }] }), /messages\[0\]\.role 'robot'/);
    });

    it('rejects a conversation of system messages only', () => {
      expectInvalid(request({ messages: [{ role: 'system', content: 'Be brief.' }] }), /at least one user or assistant/);
    });
  });

  describe('tools and tool_choice', () => {
    const tools: ChatCompletionRequest['tools'] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      },
      { type: 'function', function: { name: 'now' } },
    ];

    it('converts tools to name, description and input_schema, with an empty object schema when parameters are missing', () => {
      expect(translate({ tools }).tools).toEqual([
        {
          name: 'get_weather',
          description: 'Current weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ]);
    });

    it('gives a schema without a type (OpenAI takes parameters: {}) type "object", which Anthropic requires', () => {
      const untyped = [
        { type: 'function' as const, function: { name: 'ping', parameters: {} } },
        { type: 'function' as const, function: { name: 'find', parameters: { properties: { q: { type: 'string' } } } } },
      ];
      expect(translate({ tools: untyped }).tools).toEqual([
        { name: 'ping', input_schema: { type: 'object' } },
        { name: 'find', input_schema: { type: 'object', properties: { q: { type: 'string' } } } },
      ]);
    });

    it.each([
      ['auto', { type: 'auto' }],
      ['required', { type: 'any' }],
      ['none', { type: 'none' }],
      [
        { type: 'function', function: { name: 'now' } },
        { type: 'tool', name: 'now' },
      ],
    ] as const)('maps tool_choice %j to %j', (choice, expected) => {
      expect(translate({ tools, tool_choice: choice }).tool_choice).toEqual(expected);
    });

    it('sets disable_parallel_tool_use on the given tool_choice when parallel_tool_calls is false', () => {
      expect(translate({ tools, tool_choice: 'required', parallel_tool_calls: false }).tool_choice).toEqual({
        type: 'any',
        disable_parallel_tool_use: true,
      });
    });

    it('sends tool_choice auto with disable_parallel_tool_use when parallel_tool_calls is false and no choice is given', () => {
      expect(translate({ tools, parallel_tool_calls: false }).tool_choice).toEqual({
        type: 'auto',
        disable_parallel_tool_use: true,
      });
    });

    it('sends no tool_choice when the client gave none and allows parallel calls', () => {
      expect(translate({ tools, parallel_tool_calls: true })).not.toHaveProperty('tool_choice');
    });

    it('sends neither tools nor tool_choice for an empty tools array', () => {
      const out = translate({ tools: [], tool_choice: 'auto' });
      expect(out).not.toHaveProperty('tools');
      expect(out).not.toHaveProperty('tool_choice');
    });

    it('rejects an unknown tool_choice', () => {
      expectInvalid(request({ tools, tool_choice: 'sometimes' as 'auto' }), /tool_choice/);
    });

    it.each([
      ['auto', { type: 'auto' }],
      ['required', { type: 'any' }],
    ] as const)('sends only the tools allowed_tools names, in %s mode as tool_choice %j', (mode, expected) => {
      const allowed = { type: 'allowed_tools', allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'now' } }] } };
      const out = translate({ tools, tool_choice: allowed as unknown as 'auto' });
      expect(out.tools).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
      expect(out.tool_choice).toEqual(expected);
    });

    it('refuses allowed_tools naming a tool the request does not offer, naming tool_choice', () => {
      const allowed = { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'missing' } }] } };
      const thrown = thrownBy(() => toAnthropicRequest(request({ tools, tool_choice: allowed as unknown as 'auto' }), options), ProviderRouterError);
      expect(thrown).toMatchObject({ status: 400, param: 'tool_choice', message: expect.stringMatching(/"missing", which is not among/) });
    });

    it('narrows tools that are not functions by name too, so that they are refused as without allowed_tools', () => {
      const custom = { type: 'custom', custom: { name: 'x' } };
      const allowed = { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'x' } }] } };
      expectInvalid(request({ tools: [custom] as never, tool_choice: allowed as unknown as 'auto' }), /tools\[0\] must be/);
    });

    it('refuses allowed_tools without a mode or a tools list', () => {
      expectInvalid(request({ tools, tool_choice: { type: 'allowed_tools', allowed_tools: { tools: [] } } as unknown as 'auto' }), /allowed_tools/);
    });

    it.each([['required'], [{ type: 'function', function: { name: 'now' } }]] as const)(
      'refuses tool_choice %j when the request offers no tool to call',
      (choice) => {
        expectInvalid(request({ tool_choice: choice }), /offers no tool/);
        expectInvalid(request({ tools: [], tool_choice: choice }), /offers no tool/);
      },
    );

    it.each([
      ['required', 'any'],
      [{ type: 'function', function: { name: 'now' } }, 'tool'],
    ] as const)('asks for no thinking when tool_choice %j forces a call: Anthropic refuses the two together', (choice, type) => {
      for (const mode of ['adaptive', 'budget'] as const) {
        const body = request({ tools, tool_choice: choice, reasoning_effort: 'high' });
        const adapter = createAnthropicProvider({ apiKey: 'sk-ant-test', maxTokens: 8192, thinking: mode });
        const out = adapter.adaptRequest!(toAnthropicRequest(body, options), {
          endpoint: 'chat.completions',
          clientDialect: 'openai',
          upstreamDialect: 'anthropic',
          clientBody: body,
        }) as Record<string, unknown>;
        expect(out.tool_choice).toMatchObject({ type });
        expect(out).not.toHaveProperty('thinking');
        expect(out).not.toHaveProperty('output_config');
      }
    });

    it.each([
      [{ effort: 'high' }, 'high'],
      [{ effort: 'minimal' }, 'low'],
      [{ max_tokens: 8192 }, 'xhigh'],
      [{ max_tokens: 1500 }, 'low'],
      [{ enabled: true }, 'medium'],
      [{ effort: 'high', exclude: true }, 'high'],
    ])(
      "takes OpenRouter's reasoning object %j as the effort, as clients written for OpenRouter send it (output_config.effort %s)",
      (reasoning, effort) => {
        const out = translate({ reasoning } as Partial<ChatCompletionRequest>) as Record<string, unknown>;
        expect(out.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
        expect(out.output_config).toEqual({ effort });
        expect(out).not.toHaveProperty('reasoning');
      },
    );

    it("asks for no thinking for OpenRouter's reasoning object when it says none, and lets reasoning_effort win over it", () => {
      for (const reasoning of [{ effort: 'none' }, { enabled: false }, {}]) {
        const out = translate({ reasoning } as Partial<ChatCompletionRequest>) as Record<string, unknown>;
        expect(out).not.toHaveProperty('thinking');
        expect(out).not.toHaveProperty('output_config');
      }
      const both = translate({ reasoning_effort: 'low', reasoning: { effort: 'high' } } as Partial<ChatCompletionRequest>) as Record<string, unknown>;
      expect(both.output_config).toEqual({ effort: 'low' });
    });

    it.each([
      ['high', /`reasoning` must be an object/],
      [{ effort: 'extreme' }, /reasoning.effort "extreme" is not an effort/],
      [{ max_tokens: 0 }, /reasoning.max_tokens must be a positive integer/],
    ])("refuses OpenRouter's reasoning object %j when it is not one, rather than answer without the thinking asked for", (reasoning, message) => {
      expectInvalid(request({ reasoning } as Partial<ChatCompletionRequest>), message);
    });

    it('still thinks with tool_choice auto', () => {
      expect(translate({ tools, tool_choice: 'auto', reasoning_effort: 'high' }).thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    });
  });

  describe('what cannot be carried', () => {
    function expectUnsupported(body: ChatCompletionRequest, param: string): void {
      const error = thrownBy(() => toAnthropicRequest(body, options), ProviderRouterError);
      expect([error.status, error.code, error.param]).toEqual([400, 'unsupported_parameter', param]);
      expect(error.message).toContain(`\`${param}\``);
    }

    it.each([
      ['functions', { functions: [{ name: 'f', parameters: { type: 'object', properties: {} } }] }],
      ['function_call', { function_call: { name: 'f' } }],
      ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
      ['modalities', { modalities: ['text', 'audio'] }],
      ['web_search_options', { web_search_options: { search_context_size: 'low' } }],
      ['moderation', { moderation: { model: 'omni-moderation-latest', policy: { input: { mode: 'block' } } } }],
    ])('refuses %s, naming it', (param, fields) => {
      expectUnsupported(request(fields), param);
    });

    it('takes fields that ask for nothing: modalities ["text"], functions [], a function_call naming none, nulls', () => {
      for (const fields of [
        { modalities: ['text'], audio: null, web_search_options: null, moderation: null },
        { functions: [], function_call: 'auto' },
        { function_call: 'none' },
      ]) {
        expect(Object.keys(translate(fields)).sort()).toEqual(['max_tokens', 'messages', 'model']);
      }
    });

    it.each([
      ['function_call', { content: null, function_call: { name: 'f', arguments: '{}' } }],
      ['audio', { content: null, audio: { id: 'audio_abc' } }],
    ])('refuses an assistant turn with %s, which would otherwise be lost', (field, turn) => {
      const messages = [
        { role: 'user', content: 'q1' },
        { role: 'assistant', ...turn },
        { role: 'user', content: 'q2' },
      ];
      expectUnsupported(request({ messages: messages as ChatCompletionRequest['messages'] }), `messages[1].${field}`);
    });

    it.each([[{ type: 'xml' }], [{}]])('refuses response_format %j, whose type OpenAI does not define', (format) => {
      expectInvalid(request({ response_format: format }), /response_format `type` must be text, json_object or json_schema/);
    });
  });

  describe('stop, sampling, user, stream', () => {
    it('turns a stop string into a stop_sequences array', () => {
      expect(translate({ stop: 'END' }).stop_sequences).toEqual(['END']);
    });

    it('keeps a stop array as stop_sequences', () => {
      expect(translate({ stop: ['END', '###'] }).stop_sequences).toEqual(['END', '###']);
    });

    it('clamps temperature to 1 without scaling it', () => {
      expect(translate({ temperature: 1.7 }).temperature).toBe(1);
      expect(translate({ temperature: 0.3 }).temperature).toBe(0.3);
    });

    it('sends temperature only when both temperature and top_p are given', () => {
      const out = translate({ temperature: 0.5, top_p: 0.9 });
      expect(out.temperature).toBe(0.5);
      expect(out).not.toHaveProperty('top_p');
    });

    it('sends top_p when it is given alone', () => {
      const out = translate({ top_p: 0.9 });
      expect(out.top_p).toBe(0.9);
      expect(out).not.toHaveProperty('temperature');
    });

    it('sends neither temperature, top_p nor top_k when omitSamplingParameters is set', () => {
      const out = translate({ temperature: 0.5, top_p: 0.9, top_k: 40 }, { omitSamplingParameters: true });
      expect(out).not.toHaveProperty('temperature');
      expect(out).not.toHaveProperty('top_p');
      expect(out).not.toHaveProperty('top_k');
    });

    it('passes a numeric top_k through when sampling parameters are allowed', () => {
      expect(translate({ top_k: 40 }).top_k).toBe(40);
    });

    it('puts user into metadata.user_id', () => {
      expect(translate({ user: 'user-42' }).metadata).toEqual({ user_id: 'user-42' });
    });

    it('puts safety_identifier, which OpenAI now asks for instead of user, into metadata.user_id', () => {
      expect(translate({ safety_identifier: 'sid-7' }).metadata).toEqual({ user_id: 'sid-7' });
      expect(translate({ safety_identifier: 'sid-7', user: 'user-42' }).metadata).toEqual({ user_id: 'sid-7' });
    });

    it('passes stream: true through and sends no stream field otherwise', () => {
      expect(translate({ stream: true }).stream).toBe(true);
      expect(translate({ stream: false })).not.toHaveProperty('stream');
    });

    it('does not send fields Anthropic does not accept', () => {
      const out = translate({
        stream: true,
        n: 2,
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        seed: 7,
        logprobs: true,
        top_logprobs: 3,
        stream_options: { include_usage: true },
        logit_bias: { '50256': -100 },
      });
      expect(Object.keys(out).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
    });
  });

  describe('response_format', () => {
    it('turns a JSON schema into output_config.format', () => {
      const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
      const out = translate({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } } });
      expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
    });

    it('refuses json_object, which Anthropic has no schema-less equivalent for, naming response_format', () => {
      expectInvalid(request({ response_format: { type: 'json_object' } }), /json_object.*schema/);
      const error = thrownBy(() => toAnthropicRequest(request({ response_format: { type: 'json_object' } }), options), ProviderRouterError);
      expect(error.param).toBe('response_format');
    });
  });

  describe('cache_control (prompt caching, as OpenRouter and LiteLLM take it in chat completions)', () => {
    const ephemeral = { type: 'ephemeral' };
    const hour = { type: 'ephemeral', ttl: '1h' };

    it('carries a content part’s marker to the block made of it, the plain-string form given up for it', () => {
      const out = translate({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'A long document.', cache_control: hour }] },
          { role: 'assistant', content: 'Read.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Summarize.' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' }, cache_control: ephemeral },
            ],
          },
        ] as ChatCompletionRequest['messages'],
      });
      expect(out.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'A long document.', cache_control: hour }] },
        { role: 'assistant', content: 'Read.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarize.' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' }, cache_control: ephemeral },
          ],
        },
      ]);
    });

    it('puts a message’s own marker on the last block made of it: a user text, an assistant’s tool call, a tool result', () => {
      const out = translate({
        messages: [
          { role: 'user', content: 'Weather in Paris?', cache_control: ephemeral },
          { role: 'assistant', content: 'Checking.', tool_calls: [toolCall('call_1', '{"location":"Paris"}')], cache_control: ephemeral },
          { role: 'tool', tool_call_id: 'call_1', content: '18C', cache_control: hour },
        ],
      });
      expect(out.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?', cache_control: ephemeral }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' }, cache_control: ephemeral },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18C', cache_control: hour }] },
      ]);
    });

    it('sends system as text blocks, each ending at a marked part, when a system part or message is marked; the separator at a break begins the next block', () => {
      const out = translate({
        messages: [
          {
            role: 'system',
            content: [
              { type: 'text', text: 'You are terse.' },
              { type: 'text', text: 'The manual: ...', cache_control: ephemeral },
              { type: 'text', text: 'Today is Monday.' },
            ],
          },
          { role: 'developer', content: 'Answer in French.' },
          { role: 'system', content: 'Never use emoji.', cache_control: hour },
          { role: 'user', content: 'Hi' },
        ] as ChatCompletionRequest['messages'],
      });
      expect(out.system).toEqual([
        { type: 'text', text: 'You are terse.\nThe manual: ...', cache_control: ephemeral },
        { type: 'text', text: '\nToday is Monday.\n\nAnswer in French.\n\nNever use emoji.', cache_control: hour },
      ]);
    });

    it('keeps the text after the last marked system part as a block of its own', () => {
      const out = translate({
        messages: [
          { role: 'system', content: 'The manual: ...', cache_control: ephemeral },
          { role: 'system', content: 'Today is Monday.' },
          { role: 'user', content: 'Hi' },
        ],
      });
      expect(out.system).toEqual([
        { type: 'text', text: 'The manual: ...', cache_control: ephemeral },
        { type: 'text', text: '\n\nToday is Monday.' },
      ]);
    });

    it('moves the marker of a blank part (left out) to the block before it, and refuses a bad one there too', () => {
      const out = translate({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'A long document.' },
              { type: 'text', text: ' ', cache_control: ephemeral },
            ],
          },
        ],
      } as Partial<ChatCompletionRequest>);
      expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'A long document.', cache_control: ephemeral }] }]);
      const bad = request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi' },
              { type: 'text', text: '', cache_control: 'yes' },
            ],
          },
        ],
      } as Partial<ChatCompletionRequest>);
      expect(thrownBy(() => toAnthropicRequest(bad, options), ProviderRouterError).param).toBe('messages[0].content[1].cache_control');
    });

    it('puts a message’s marker on its last block that is no thinking block (Anthropic takes none there)', () => {
      const details = [{ type: 'reasoning.text', text: 'Hm.', signature: 'EqSIG', format: 'anthropic-claude-v1' }];
      const out = translate({
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.', reasoning_details: details, cache_control: ephemeral },
          { role: 'user', content: 'Again' },
        ],
      });
      expect(out.messages[1]?.content).toEqual([
        { type: 'thinking', thinking: 'Hm.', signature: 'EqSIG' },
        { type: 'text', text: 'Hello.', cache_control: ephemeral },
      ]);
    });

    it('carries a tool’s marker and the request’s own (automatic caching)', () => {
      const out = translate({
        cache_control: ephemeral,
        tools: [
          { type: 'function', function: { name: 'get_weather' } },
          { type: 'function', function: { name: 'get_time' }, cache_control: hour },
        ] as ChatCompletionRequest['tools'],
      });
      expect(out.cache_control).toEqual(ephemeral);
      expect(out.tools?.map((tool) => tool.cache_control)).toEqual([undefined, hour]);
    });

    it('refuses a marker that is not an object, naming where it is', () => {
      for (const [body, param] of [
        [request({ cache_control: 'ephemeral' }), 'cache_control'],
        [request({ messages: [{ role: 'user', content: 'Hi', cache_control: true }] }), 'messages[0].cache_control'],
        [
          request({
            messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: ['ephemeral'] }] }] as ChatCompletionRequest['messages'],
          }),
          'messages[0].content[0].cache_control',
        ],
        [
          request({ tools: [{ type: 'function', function: { name: 'f' }, cache_control: 1 }] as unknown as ChatCompletionRequest['tools'] }),
          'tools[0].cache_control',
        ],
      ] as const) {
        const error = thrownBy(() => toAnthropicRequest(body, options), ProviderRouterError);
        expect([error.status, error.param]).toEqual([400, param]);
        expect(error.message).toContain(`${param} must be an object`);
      }
    });

    it('sends no marker where the client sent none', () => {
      const out = translate({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        ],
      });
      expect(JSON.stringify(out)).not.toContain('cache_control');
      expect(out.system).toBe('Be brief.');
    });
  });

  it('does not mutate the request body', () => {
    const body = request({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        { role: 'assistant', content: 'Checking.', tool_calls: [toolCall('call_1', '{"location":"Paris"}')] },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_1', content: '19C' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
      parallel_tool_calls: false,
      stop: 'END',
      temperature: 1.5,
      top_p: 0.5,
    });
    const before = structuredClone(body);
    toAnthropicRequest(body, options);
    expect(body).toEqual(before);
  });
});
