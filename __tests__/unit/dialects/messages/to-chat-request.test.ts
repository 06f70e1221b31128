import { createHash } from 'node:crypto';
import { ProviderRouterError } from '../../../../lib/errors';
import { toChatCompletionRequest } from '../../../../lib/dialects/messages/to-chat/request';
import type { AnthropicMessagesRequest } from '../../../../lib/dialects/messages/wire';
import { fixtureJson } from '../../../support/fixtures';
import { thrownBy } from '../../../support/rejection';

function fixtureBody(name: string): AnthropicMessagesRequest {
  return fixtureJson<{ body: AnthropicMessagesRequest }>(name).body;
}

const opts = { upstreamModel: 'gpt-4.1' };
const base = { model: 'claude-x', max_tokens: 100 };

function translate(extra: Partial<AnthropicMessagesRequest>) {
  return toChatCompletionRequest({ ...base, messages: [{ role: 'user', content: 'hi' }], ...extra } as AnthropicMessagesRequest, opts);
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  const err = thrownBy(fn, ProviderRouterError);
  expect(err.code).toBe('invalid_request');
  expect(err.status).toBe(400);
  expect(err.message).toMatch(pattern);
}

describe('Claude Code first-prompt request (fixture)', () => {
  const body = fixtureBody('claude-code-request.json');
  const snapshot = JSON.stringify(body);
  const out = toChatCompletionRequest(body, opts);

  it('leaves the client body untouched', () => {
    expect(JSON.stringify(body)).toBe(snapshot);
  });

  it('uses the upstream model name and keeps max_tokens as asked', () => {
    expect(out.model).toBe('gpt-4.1');
    expect(out.max_tokens).toBe(64000);
  });

  it('joins the system blocks into the first message without the billing line', () => {
    expect(out.messages[0]).toEqual({
      role: 'system',
      content:
        'You are an agent that helps with software tasks.\n\nCWD: /home/user/project\nDate: 2026-11-25\n(the main prompt, 5-26k characters in practice)',
    });
    expect(JSON.stringify(out)).not.toContain('x-anthropic-billing-header');
  });

  it('keeps the user blocks as content parts and the mid-conversation system message in place', () => {
    expect(out.messages.slice(1)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>\nContext the client adds before the prompt.\n</system-reminder>' },
          { type: 'text', text: 'Read hello.txt' },
        ],
      },
      {
        role: 'system',
        content: 'Agent types and skills available in this session (a mid-conversation system message, sent with the full tool set).',
      },
    ]);
  });

  it('drops cache_control everywhere', () => {
    expect(JSON.stringify(out)).not.toContain('cache_control');
  });

  it('turns tools into functions with input_schema as parameters, $schema included', () => {
    expect(out.tools?.map((t) => t.function.name)).toEqual(['Read', 'Bash']);
    const [read] = out.tools ?? [];
    expect(read).toEqual({
      type: 'function',
      function: {
        name: 'Read',
        description: 'Reads a file from the local filesystem.',
        parameters: body.tools?.[0]?.input_schema,
      },
    });
    expect(read?.function.parameters?.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('sends user as the SHA-256 hex of metadata.user_id, never the id itself', () => {
    const userId = body.metadata?.user_id ?? '';
    expect(out.user).toBe(createHash('sha256').update(userId).digest('hex'));
    expect(out.user).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(out)).not.toContain('device_id');
  });

  it('asks the stream for usage', () => {
    expect(out.stream).toBe(true);
    expect(out.stream_options).toEqual({ include_usage: true });
  });

  it('sends no tools key when the same request comes with tools: []', () => {
    const noTools = toChatCompletionRequest({ ...body, tools: [] }, opts);
    expect(noTools).not.toHaveProperty('tools');
  });

  it('sends none of the Anthropic-only fields', () => {
    for (const key of ['thinking', 'context_management', 'output_config', 'metadata', 'system', 'top_k']) {
      expect(out).not.toHaveProperty(key);
    }
    // Claude Code's adaptive thinking with effort high becomes the effort field; the adapter decides its form.
    expect(Object.keys(out).sort()).toEqual(
      ['max_tokens', 'messages', 'model', 'reasoning_effort', 'stream', 'stream_options', 'tools', 'user'].sort(),
    );
    expect(out.reasoning_effort).toBe('high');
  });
});

describe('Claude Code tool-result turn (fixture)', () => {
  const out = toChatCompletionRequest(fixtureBody('claude-code-request-tool-turn.json'), opts);

  it('turns the assistant turn into text plus tool_calls, its thinking into reasoning_content', () => {
    expect(out.messages[3]).toEqual({
      role: 'assistant',
      content: 'Reading.',
      reasoning_content: 'The user wants the file.',
      tool_calls: [
        {
          id: 'toolu_01A',
          type: 'function',
          function: { name: 'Read', arguments: '{"file_path":"/home/user/project/hello.txt"}' },
        },
      ],
    });
    // The thinking text goes once, as reasoning_content; Anthropic's signature never leaves.
    expect(JSON.stringify(out).split('The user wants the file.')).toHaveLength(2);
    expect(JSON.stringify(out)).not.toContain('signature');
  });

  it('turns the tool_result into a tool message and ends there', () => {
    expect(out.messages.map((m) => m.role)).toEqual(['system', 'user', 'system', 'assistant', 'tool']);
    expect(out.messages[4]).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_01A',
      content: '1\tThe secret word is PINEAPPLE-42.\n',
    });
  });
});

describe('Claude Code 2.1.332 after a tool search (fixture)', () => {
  // Recorded from the CLI with model openai/gpt-5.5: its ToolSearch loaded NotebookEdit, a tool
  // sent with defer_loading, by a tool_reference block in the tool_result.
  const body = fixtureBody('claude-code-latest-request-tool-search.json');
  const out = toChatCompletionRequest(body, opts);
  const notebookEdit = body.tools!.find((tool) => tool.name === 'NotebookEdit')!;

  it('sends the deferred tools the search loaded, and no other', () => {
    const deferred = body.tools!.filter((tool) => (tool as { defer_loading?: boolean }).defer_loading === true).map((tool) => tool.name);
    expect(deferred.sort()).toEqual(['DeferredToolPlaceholder', 'NotebookEdit']);
    const sent = out.tools!.map((tool) => tool.function.name);
    expect(sent).toContain('NotebookEdit');
    expect(sent).toContain('ToolSearch');
    expect(sent).not.toContain('DeferredToolPlaceholder');
    expect(sent).toHaveLength(body.tools!.length - 1);
  });

  it('gives the model the loaded tool definition where the tool_reference was, as Anthropic expands it', () => {
    const result = out.messages.find((message) => message.role === 'tool');
    expect(result).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_01',
      content: `<functions>\n<function>${JSON.stringify({ description: notebookEdit.description, name: 'NotebookEdit', parameters: notebookEdit.input_schema })}</function>\n</functions>`,
    });
  });
});

describe('deferred tools and tool_reference blocks', () => {
  const schema = { type: 'object', properties: {} };
  const tools = [
    { name: 'search', description: 'finds tools', input_schema: schema },
    { name: 'a', description: 'tool a', input_schema: schema, defer_loading: true },
    { name: 'b', input_schema: schema, defer_loading: true },
  ];
  const searched = (content: unknown[]) => [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'search', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content }] },
  ];

  it('leaves out a deferred server tool nothing loaded; loaded, it is refused as any server tool is', () => {
    const server = { type: 'web_search_20250305', name: 'web_search', defer_loading: true };
    expect(translate({ tools: [...tools, server] } as never).tools!.map((tool) => tool.function.name)).toEqual(['search']);
    expectInvalid(
      () => translate({ tools: [...tools, server], messages: searched([{ type: 'tool_reference', tool_name: 'web_search' }]) } as never),
      /server tool "web_search_20250305"/,
    );
  });

  it('leaves out a deferred tool nothing loaded, and sends one tool_choice names', () => {
    expect(translate({ tools } as never).tools!.map((tool) => tool.function.name)).toEqual(['search']);
    const forced = translate({ tools, tool_choice: { type: 'tool', name: 'b' } } as never);
    expect(forced.tools!.map((tool) => tool.function.name)).toEqual(['search', 'b']);
    expect(forced.tool_choice).toEqual({ type: 'function', function: { name: 'b' } });
  });

  it('makes one <functions> block of consecutive references, with the text around them in order', () => {
    const out = translate({
      tools,
      messages: searched([
        { type: 'text', text: 'Found:' },
        { type: 'tool_reference', tool_name: 'a' },
        { type: 'tool_reference', tool_name: 'b' },
        { type: 'text', text: 'Tool loaded.' },
      ]),
    } as never);
    expect(out.tools!.map((tool) => tool.function.name)).toEqual(['search', 'a', 'b']);
    expect(out.messages.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'toolu_1',
      content: [
        'Found:',
        '<functions>\n<function>{"description":"tool a","name":"a","parameters":{"type":"object","properties":{}}}</function>\n<function>{"name":"b","parameters":{"type":"object","properties":{}}}</function>\n</functions>',
        'Tool loaded.',
      ].join('\n\n'),
    });
  });

  it('refuses a tool_reference to a tool the request does not have, or outside a tool_result', () => {
    expectInvalid(
      () => translate({ tools, messages: searched([{ type: 'tool_reference', tool_name: 'nope' }]) } as never),
      /tool_reference must name one of the request's `tools`, got "nope"/,
    );
    expectInvalid(
      () => translate({ tools, messages: [{ role: 'user', content: [{ type: 'tool_reference', tool_name: 'a' }] }] } as never),
      /`tool_reference` block has no equivalent in chat completions/,
    );
  });
});

describe('message translation', () => {
  it('places tool messages before the rest of the user turn', () => {
    const out = translate({
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'a', name: 'f', input: {} },
            { type: 'tool_use', id: 'b', name: 'f', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and now?' },
            { type: 'tool_result', tool_use_id: 'a', content: 'A' },
            {
              type: 'tool_result',
              tool_use_id: 'b',
              content: [
                { type: 'text', text: 'B1' },
                { type: 'text', text: 'B2' },
              ],
              is_error: true,
            },
          ],
        },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'A' },
      { role: 'tool', tool_call_id: 'b', content: 'Error: B1\n\nB2' },
      { role: 'user', content: 'and now?' },
    ]);
  });

  it('moves images of a tool result into a user message after the tool messages', () => {
    const out = translate({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'r', name: 'screenshot', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'r',
              content: [
                { type: 'text', text: 'screenshot' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
              ],
            },
          ],
        },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'r', content: 'screenshot' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }] },
    ]);
  });

  it('turns base64 and url images into image_url parts', () => {
    const out = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'compare' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'Zm9v' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'compare' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,Zm9v' } },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
    ]);
  });

  it('keeps string content and gives a lone text block as a string', () => {
    const out = translate({
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: [{ type: 'text', text: 'again' }] },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('sends null content for an assistant turn that only calls tools, and skips one left empty', () => {
    const out = translate({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'ls', input: {} }] },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'xx' }] },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'ls', arguments: '{}' } }] },
    ]);
  });

  it('keeps an assistant turn of thinking alone as an assistant message with empty content and its reasoning_content', () => {
    const out = translate({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'They greet me.', signature: 'sig' }] },
        { role: 'user', content: 'hello?' },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', reasoning_content: 'They greet me.' },
      { role: 'user', content: 'hello?' },
    ]);
  });

  it('skips an assistant turn whose only thinking block is empty', () => {
    const out = translate({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: '', signature: 'sig' }] },
      ],
    });
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('sends no system message when only the billing line was there', () => {
    const out = translate({
      system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=1;' }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(out.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });
});

describe('tools and sampling fields', () => {
  const tool = { name: 'ls', description: 'list', input_schema: { type: 'object', properties: {} } };

  it('puts input_examples after the description, where the model reads them, and leaves strict out', () => {
    const out = translate({ tools: [{ ...tool, strict: true, input_examples: [{ path: '.' }, { path: '/tmp' }] }] as never });
    expect(out.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'ls',
          description: 'list\n\nExamples of input:\n{"path":"."}\n{"path":"/tmp"}',
          parameters: tool.input_schema,
        },
      },
    ]);
  });

  it('sends no tools key for tools: []', () => {
    const out = translate({ tools: [], tool_choice: { type: 'auto' } });
    expect(out).not.toHaveProperty('tools');
    expect(out).not.toHaveProperty('tool_choice');
  });

  it('refuses a server tool, naming its type and place, and a tool without input_schema', () => {
    const server = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };
    expect(() => translate({ tools: [server] as never })).toThrow(/tools\[0\] is Anthropic's server tool "web_search_20250305"/);
    expect(() => translate({ tools: [tool, server] as never })).toThrow(/tools\[1\]/);
    expect(() => translate({ tools: [{ name: 'x' }] as never })).toThrow(/tools\[0\] needs an `input_schema`/);
  });

  it.each(['bash_20250124', 'text_editor_20250728', 'memory_20250818', 'computer_20250124'])(
    'refuses Anthropic’s built-in client tool %s as one the client runs whose definition only Anthropic’s models know, not as a server tool',
    (type) => {
      const builtIn = { type, name: type.split('_2')[0] };
      expect(() => translate({ tools: [builtIn] as never })).toThrow(
        new RegExp(`tools\\[0\\] is Anthropic's built-in tool "${type}": the client runs it, but its definition is known only to Anthropic's models`),
      );
    },
  );

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [
      { type: 'tool', name: 'ls' },
      { type: 'function', function: { name: 'ls' } },
    ],
  ])('maps tool_choice %j', (choice, expected) => {
    const out = translate({ tools: [tool], tool_choice: choice as never });
    expect(out.tool_choice).toEqual(expected);
    expect(out).not.toHaveProperty('parallel_tool_calls');
  });

  it('maps disable_parallel_tool_use to parallel_tool_calls: false', () => {
    const out = translate({ tools: [tool], tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(out.parallel_tool_calls).toBe(false);
  });

  it('maps stop_sequences to stop, keeps temperature, top_p and top_k', () => {
    const out = translate({ stop_sequences: ['END'], temperature: 0.2, top_p: 0.9, top_k: 5, service_tier: 'auto' });
    expect(out.stop).toEqual(['END']);
    expect(out.temperature).toBe(0.2);
    expect(out.top_p).toBe(0.9);
    // llama-server and OpenRouter take it; the OpenAI adapter leaves it out.
    expect(out.top_k).toBe(5);
    expect(out).not.toHaveProperty('service_tier');
  });

  it('sends no stream fields for a non-streamed request', () => {
    const out = translate({ stream: false });
    expect(out).not.toHaveProperty('stream');
    expect(out).not.toHaveProperty('stream_options');
  });
});

describe('fields that cannot be carried', () => {
  const user = [{ role: 'user' as const, content: 'hi' }];

  function expectUnsupported(extra: Record<string, unknown>, param: string, reason: RegExp): void {
    const err = thrownBy(() => translate({ messages: user, ...extra }), ProviderRouterError);
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', param]);
    expect(err.message).toContain(`\`${param}\``);
    expect(err.message).toMatch(reason);
  }

  it.each([
    ['mcp_servers', [{ type: 'url', url: 'https://mcp.example/sse', name: 'ex' }], /MCP connector runs at Anthropic only/],
    ['inference_geo', 'us', /makes no promise where it runs the model/],
    ['compaction', { type: 'auto' }, /summarises the conversation at Anthropic/],
    ['foo_bar', 1, /not a Messages API field the router knows/],
  ])('refuses %s, naming it', (field, value, reason) => {
    expectUnsupported({ [field]: value }, field, reason);
  });

  it('leaves out what does not change what the model is given, and fields that ask for nothing', () => {
    const out = translate({
      messages: user,
      context_management: { edits: [] },
      cache_control: { type: 'ephemeral' },
      service_tier: 'auto',
      speed: 'fast',
      diagnostics: { previous_message_id: 'msg_1' },
      fallbacks: [],
      container: 'container_1',
      mcp_servers: [],
      inference_geo: 'global',
      thread: null,
    });
    expect(Object.keys(out).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it("carries the structured-outputs beta's output_format as response_format", () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    expect(translate({ messages: user, output_format: { type: 'json_schema', schema } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema },
    });
  });

  it.each([[{ type: 'any' }], [{ type: 'tool', name: 'ls' }]])('refuses tool_choice %j when the request offers no tool', (choice) => {
    expectInvalid(() => translate({ messages: user, tool_choice: choice as never }), /offers no tool to call/);
    expectInvalid(() => translate({ messages: user, tools: [], tool_choice: choice as never }), /offers no tool to call/);
  });

  it.each([
    [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }, 'image'],
    [{ type: 'container_upload', file_id: 'file_1' }, 'container_upload'],
  ])('refuses an assistant block with no chat equivalent (%j), which would otherwise be lost', (block, type) => {
    const messages = [...user, { role: 'assistant' as const, content: [block, { type: 'text', text: 't' }] }];
    expectInvalid(
      () => translate({ messages: messages as never }),
      new RegExp(`messages\\[1\\]\\.content\\[0\\]: a "${type}" block in an assistant turn`),
    );
  });

  it('leaves out the server-tool blocks of an assistant turn (MCP connector calls too) and redacted thinking', () => {
    const messages = [
      ...user,
      {
        role: 'assistant' as const,
        content: [
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'search', server_name: 'ex', input: {} },
          { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_1', content: [] },
          { type: 'text', text: 'Found it.' },
        ],
      },
    ];
    expect(translate({ messages: messages as never }).messages.at(-1)).toEqual({ role: 'assistant', content: 'Found it.' });
  });
});

describe('rejected requests', () => {
  it('rejects messages that are not an array', () => {
    expectInvalid(() => translate({ messages: 'hi' as never }), /messages/);
  });

  it('rejects an unknown role', () => {
    expectInvalid(() => translate({ messages: [{ role: 'tool' as never, content: 'x' }] }), /messages\[0\]\.role/);
  });

  it.each([undefined, 0, -5, 1.5, '100'])('rejects max_tokens %p', (maxTokens) => {
    expectInvalid(() => toChatCompletionRequest({ model: 'm', messages: [], max_tokens: maxTokens } as never, opts), /max_tokens/);
  });
});
