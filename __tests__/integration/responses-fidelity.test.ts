/**
 * Nothing lost in translation, Responses clients on bridged and translated routes (DESIGN sections
 * 9 and 11): what the client sent reaches the provider, or the request is refused with a 400 naming
 * it before anything is sent. Read with the official `openai` SDK, and with fetch where the SDK's
 * types do not allow the request.
 */
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';
import { sendFrames, sendJson } from '../support/upstream-answers';

let local: FakeUpstream, anthropic: FakeUpstream, openrouter: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [local, anthropic, openrouter] = await startFakeUpstreams('local', 'anthropic', 'openrouter');
  // OpenRouter bridged through chat completions: the one provider that fetches a file's URL itself.
  host = await startHost({ env: { ...envFor({ local, anthropic, openrouter }), OPENROUTER_RESPONSES: 'chat' } });
});
afterEach(() => [local, anthropic, openrouter].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([local, anthropic, openrouter].map((fake) => fake.close()));
});

/** What every chunk of a scripted chat stream shares. */
const CHUNK = { id: 'c1', created: 1, model: 'q' };

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const PDF = `data:application/pdf;base64,${Buffer.from('%PDF-1.4 a tiny document').toString('base64')}`;

function lastMessages(fake: FakeUpstream): Array<Record<string, unknown>> {
  const body = fake.requests.at(-1)?.body;
  if (!body) throw new Error(`${fake.kind} received nothing`);
  return body.messages as Array<Record<string, unknown>>;
}

/** POSTs `body` to the router's /responses as it is (the SDK's types would not let it). */
const postResponses = (body: Record<string, unknown>): Promise<Response> =>
  fetch(`${host.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** POSTs `body` to the router's /responses and reads the error body of a refusal. */
async function refusal(body: Record<string, unknown>): Promise<{ status: number; error: { param?: string; code?: string; message: string } }> {
  const response = await postResponses(body);
  const parsed = (await response.json()) as { error: { param?: string; code?: string; message: string } };
  return { status: response.status, error: parsed.error };
}

const viewImage = { type: 'function', call_id: 'call_v', name: 'view_image', arguments: '{"path":"a.png"}' } as const;
const viewImageTool: OpenAI.Responses.Tool = {
  type: 'function',
  name: 'view_image',
  parameters: { type: 'object', properties: { path: { type: 'string' } } },
  strict: false,
};

/** Codex's view_image round trip on `model`: the call of a.png, and its output of a line of text and `image`. */
const viewPng = (model: string, image: OpenAI.Responses.ResponseInputImageContent): Promise<OpenAI.Responses.Response> =>
  client().responses.create({
    model,
    tools: [viewImageTool],
    input: [
      { role: 'user', content: 'What is in a.png?' },
      { ...viewImage, type: 'function_call' },
      { type: 'function_call_output', call_id: 'call_v', output: [{ type: 'input_text', text: 'a.png, 1x1' }, image] },
    ],
  });

describe('images and files in tool outputs', () => {
  test("Codex's view_image output: the tool message keeps the text, the image follows in a user message", async () => {
    await viewPng('local/qwen', { type: 'input_image', image_url: PNG, detail: 'high' });
    expect(lastMessages(local).slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 'call_v', content: 'a.png, 1x1' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: PNG, detail: 'high' } }] },
    ]);
  });

  test('the images of parallel calls follow all their tool messages and open the user message after them', async () => {
    await client().responses.create({
      model: 'local/qwen',
      tools: [viewImageTool],
      input: [
        { role: 'user', content: 'Compare a.png and b.png.' },
        { ...viewImage, type: 'function_call' },
        { ...viewImage, type: 'function_call', call_id: 'call_w' },
        { type: 'function_call_output', call_id: 'call_v', output: [{ type: 'input_image', image_url: PNG }] },
        { type: 'function_call_output', call_id: 'call_w', output: [{ type: 'input_image', image_url: 'https://example.com/b.png' }] },
        { role: 'user', content: 'Which is darker?' },
      ],
    });
    expect(lastMessages(local).slice(-3)).toEqual([
      { role: 'tool', tool_call_id: 'call_v', content: '' },
      { role: 'tool', tool_call_id: 'call_w', content: '' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: PNG } },
          { type: 'image_url', image_url: { url: 'https://example.com/b.png' } },
          { type: 'text', text: 'Which is darker?' },
        ],
      },
    ]);
  });

  test('a custom_tool_call_output with an image and a file: the file follows as a file part', async () => {
    const body = {
      model: 'local/qwen',
      tools: [{ type: 'custom', name: 'render' }],
      input: [
        { role: 'user', content: 'Render it.' },
        { type: 'custom_tool_call', call_id: 'call_r', name: 'render', input: 'page 1' },
        {
          type: 'custom_tool_call_output',
          call_id: 'call_r',
          output: [
            { type: 'input_text', text: 'rendered' },
            { type: 'input_image', image_url: PNG },
            { type: 'input_file', filename: 'page.pdf', file_data: PDF },
          ],
        },
      ],
    };
    await client().responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(lastMessages(local).slice(-2)).toEqual([
      { role: 'tool', tool_call_id: 'call_r', content: 'rendered' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: PNG } },
          { type: 'file', file: { filename: 'page.pdf', file_data: PDF } },
        ],
      },
    ]);
  });

  test('a file given by URL in a tool output goes to OpenRouter, which fetches it', async () => {
    await client().responses.create({
      model: 'openrouter/openai/gpt-5.5',
      input: [
        { role: 'user', content: 'Read it.' },
        { type: 'function_call', call_id: 'call_f', name: 'fetch', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_f', output: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] },
      ],
    });
    expect(lastMessages(openrouter).at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'https://example.com/a.pdf' } }],
    });
  });

  test('a file given by URL goes to Anthropic as a document with a url source, which Anthropic fetches', async () => {
    await client().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Summarize it.' },
            { type: 'input_file', file_url: 'https://example.com/a.pdf' },
          ],
        },
      ],
    });
    expect(lastMessages(anthropic).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Summarize it.' },
        { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' }, title: 'a.pdf' },
      ],
    });
  });

  test('Anthropic gets the image in the user turn of the tool_result, after it', async () => {
    await viewPng('anthropic/claude-sonnet-5-5', { type: 'input_image', image_url: PNG });
    expect(lastMessages(anthropic).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_v', content: 'a.png, 1x1' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    });
  });

  test.each([
    ['an image given by file_id', 'function_call_output', { type: 'input_image', file_id: 'file_1' }],
    [
      'a file given by URL, to a provider that does not fetch URLs',
      'function_call_output',
      { type: 'input_file', file_url: 'https://example.com/a.pdf' },
    ],
    ['a file given by file_id', 'custom_tool_call_output', { type: 'input_file', file_id: 'file_1' }],
    ['a part with no chat equivalent', 'function_call_output', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
  ])('%s in a %s is refused with a 400 naming input[i].output[j]', async (_what, type, part) => {
    const call = type === 'function_call_output' ? { type: 'function_call', arguments: '{}' } : { type: 'custom_tool_call', input: 'x' };
    const { status, error } = await refusal({
      model: 'local/qwen',
      input: [
        { role: 'user', content: 'Look.' },
        { ...call, call_id: 'call_1', name: 'look' },
        { type, call_id: 'call_1', output: [{ type: 'input_text', text: 'here:' }, part] },
      ],
    });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'unsupported_parameter', param: 'input' });
    expect(error.message).toContain('input[2].output[1]');
    expect(local.requests).toHaveLength(0);
  });
});

describe('content a system or assistant message cannot hold', () => {
  test.each([
    ['developer', { type: 'input_image', image_url: PNG }],
    ['system', { type: 'input_file', file_data: PDF }],
    ['assistant', { type: 'input_image', image_url: PNG }],
  ])('%s message with a non-text part: refused with a 400 naming the part', async (role, part) => {
    const { status, error } = await refusal({
      model: 'local/qwen',
      input: [
        { role, content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: 'Look:' }, part] },
        { role: 'user', content: 'Go.' },
      ],
    });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: 'unsupported_parameter', param: 'input' });
    expect(error.message).toContain('input[0].content[1]');
    expect(local.requests).toHaveLength(0);
  });
});

describe('a tool_choice only a hosted tool can meet', () => {
  const hosted = [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }];

  test.each([
    ['required, with only hosted tools', { tools: hosted, tool_choice: 'required' }],
    ['allowed_tools required, naming only hosted tools', { tools: hosted, tool_choice: { type: 'allowed_tools', mode: 'required', tools: hosted } }],
    ['a forced web_search_preview', { tools: [{ type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview' } }],
    [
      'a forced mcp tool',
      { tools: [{ type: 'mcp', server_label: 'x', server_url: 'https://example.com' }], tool_choice: { type: 'mcp', server_label: 'x' } },
    ],
    ['a forced image_generation', { tools: [{ type: 'image_generation' }], tool_choice: { type: 'image_generation' } }],
    ['a named function that is not among the tools', { tools: hosted, tool_choice: { type: 'function', name: 'web_search' } }],
  ])('%s: 400 unsupported_parameter on tool_choice, for llama-server and Anthropic', async (_what, fields) => {
    for (const model of ['local/qwen', 'anthropic/claude-sonnet-5-5']) {
      const { status, error } = await refusal({ model, input: 'Search the web.', ...fields });
      expect([model, status]).toEqual([model, 400]);
      expect(error).toMatchObject({ code: 'unsupported_parameter', param: 'tool_choice' });
      expect(error.message).toContain('tool_choice');
    }
    expect([...local.requests, ...anthropic.requests]).toHaveLength(0);
  });

  test('auto with only hosted tools is served without tools', async () => {
    await client().responses.create({ model: 'local/qwen', input: 'Search the web.', tools: [{ type: 'web_search' }], tool_choice: 'auto' });
    const sent = local.requests.at(-1)!.body!;
    expect(sent.tools).toBeUndefined();
    expect(sent.tool_choice).toBeUndefined();
  });

  test('required with a function beside the hosted tools forces the function', async () => {
    await client().responses.create({
      model: 'local/qwen',
      input: 'Weather?',
      tools: [{ type: 'web_search' }, { type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: false }],
      tool_choice: 'required',
    });
    const sent = local.requests.at(-1)!.body!;
    expect(sent.tool_choice).toBe('required');
    expect((sent.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)).toEqual(['get_weather']);
  });
});

describe('request fields the route does not carry', () => {
  test('a stored prompt template is refused with a 400 naming prompt (openai SDK)', async () => {
    const refused = client().responses.create({ model: 'local/qwen', input: 'Hi', prompt: { id: 'pmpt_1', variables: { city: 'Paris' } } });
    await expect(refused).rejects.toMatchObject({ status: 400, param: 'prompt', code: 'unsupported_parameter' });
    await expect(refused).rejects.toThrow(/prompt/);
    expect(local.requests).toHaveLength(0);
  });

  test.each([
    ['top_logprobs', 5],
    ['max_tool_calls', 3],
    ['prompt', { id: 'pmpt_1' }],
    ['frequency_penalty', 0.5],
  ])('%s is refused with a 400 naming it, for llama-server and Anthropic', async (field, value) => {
    for (const model of ['local/qwen', 'anthropic/claude-sonnet-5-5']) {
      const { status, error } = await refusal({ model, input: 'Hi', [field]: value });
      expect([model, status]).toEqual([model, 400]);
      expect(error).toMatchObject({ code: 'unsupported_parameter', param: field });
      expect(error.message).toContain(field);
    }
    expect([...local.requests, ...anthropic.requests]).toHaveLength(0);
  });

  describe("Anthropic's refusals, raised on the way through chat completions, name the client's own fields", () => {
    test('a function_call whose arguments are not JSON: input[N].arguments', async () => {
      const { status, error } = await refusal({
        model: 'anthropic/claude-sonnet-5-5',
        input: [
          { role: 'user', content: 'Look' },
          { type: 'function_call', call_id: 'call_v', name: 'view_image', arguments: '{"path": "a.png"' },
          { type: 'function_call_output', call_id: 'call_v', output: 'done' },
        ],
      });
      expect(status).toBe(400);
      expect(error).toMatchObject({ param: 'input[1].arguments' });
      expect(error.message).toMatch(/^input\[1\]\.arguments is not valid JSON/);
      expect(error.message).not.toMatch(/messages\[|tool_calls|function\.arguments/);
      expect(anthropic.requests).toHaveLength(0);
    });

    test('text.format json_object: text.format', async () => {
      const { status, error } = await refusal({ model: 'anthropic/claude-sonnet-5-5', input: 'Hi', text: { format: { type: 'json_object' } } });
      expect(status).toBe(400);
      expect(error).toMatchObject({ param: 'text.format' });
      expect(error.message).toMatch(/^text\.format json_object has no Anthropic equivalent/);
      expect(error.message).not.toContain('response_format');
    });
  });

  test('the fields DESIGN lets the route leave out, and unset ones, are served', async () => {
    const response = await postResponses({
      model: 'local/qwen',
      input: 'Hi',
      store: true,
      include: ['reasoning.encrypted_content', 'message.output_text.logprobs'],
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
      prompt_cache_options: { mode: 'explicit', ttl: '30m' },
      text: { verbosity: 'low' },
      reasoning: { summary: 'auto' },
      service_tier: 'auto',
      truncation: 'auto',
      client_metadata: { a: '1' },
      metadata: { b: '2' },
      stream_options: { include_obfuscation: false },
      background: false,
      previous_response_id: null,
      prompt: null,
      top_logprobs: null,
    });
    expect(response.status).toBe(200);
    expect(Object.keys(local.requests.at(-1)!.body!).sort()).toEqual(['messages', 'model']);
  });
});

describe('files for Anthropic', () => {
  test('a PDF input_file, in a message and in a tool output, reaches Anthropic as a document block', async () => {
    await client().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      tools: [viewImageTool],
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Read this.' },
            { type: 'input_file', filename: 'a.pdf', file_data: PDF },
          ],
        },
        { ...viewImage, type: 'function_call' },
        { type: 'function_call_output', call_id: 'call_v', output: [{ type: 'input_file', filename: 'b.pdf', file_data: PDF }] },
      ],
    });
    const sent = JSON.stringify(lastMessages(anthropic));
    const pdfData = PDF.slice(PDF.indexOf(',') + 1);
    expect(sent).toContain(
      JSON.stringify({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdfData }, title: 'a.pdf' }),
    );
    expect(sent).toContain(
      JSON.stringify({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdfData }, title: 'b.pdf' }),
    );
  });
});

describe('namespace tools', () => {
  test("a flattened tool carries its namespace's description before its own", async () => {
    await postResponses({
      model: 'local/qwen',
      input: 'hi',
      tools: [
        {
          type: 'namespace',
          name: 'multi_agent_v1',
          description: 'Tools for spawning and managing sub-agents.',
          tools: [
            { type: 'function', name: 'spawn', description: 'Spawn one.', parameters: { type: 'object' } },
            { type: 'function', name: 'wait', parameters: { type: 'object' } },
          ],
        },
      ],
    });
    const tools = local.requests.at(-1)!.body!.tools as Array<{ function: { name: string; description?: string } }>;
    expect(tools.map((tool) => tool.function)).toEqual([
      expect.objectContaining({ name: 'multi_agent_v1__spawn', description: 'Tools for spawning and managing sub-agents.\n\nSpawn one.' }),
      expect.objectContaining({ name: 'multi_agent_v1__wait', description: 'Tools for spawning and managing sub-agents.' }),
    ]);
  });
});

describe('answers a bridged provider reports as failed', () => {
  test('a non-streamed answer ended with finish_reason "error" is a 502 naming it, as the stream ends in response.failed', async () => {
    local.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'partial' }, 'error'));
    const error = await rejectionOf(client().responses.create({ model: 'local/qwen', input: 'hi' }), OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/finish_reason "error"/);
  });
});

describe('an error on a streamed choice', () => {
  test('ends the stream in response.failed with the code its own code maps to, as an error beside the choices does', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chatChunkFrame(CHUNK, { content: 'Hel' }),
        chatChunkFrame(CHUNK, {}, 'error', { choice: { error: { code: 429, message: 'slow down' } } }),
        DONE_FRAME,
      ]);
    const final = await client().responses.stream({ model: 'local/qwen', input: 'hi' }).finalResponse();
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'rate_limit_exceeded', message: 'slow down' });
  });
});

describe('tool calls sent back as the model made them', () => {
  test.each([
    ['function_call', { type: 'function_call', call_id: 'c1', name: 'f', arguments: { a: 1 } }, 'arguments'],
    ['custom_tool_call', { type: 'custom_tool_call', call_id: 'c1', name: 'f', input: { a: 1 } }, 'input'],
  ])('a %s whose %s is not a string is refused, not replaced', async (_type, item, field) => {
    const { status, error } = await refusal({ model: 'local/qwen', input: [{ role: 'user', content: 'hi' }, item] });
    expect(status).toBe(400);
    expect(error.param).toBe('input');
    expect(error.message).toContain(`\`${field}\` must be a string`);
    expect(local.requests).toHaveLength(0);
  });

  test("a call of a custom tool inside a namespace comes back with its namespace, streamed and not, and goes back under the tool's name", async () => {
    const tools = [
      { type: 'namespace', name: 'crm', description: 'CRM', tools: [{ type: 'custom', name: 'note' }] },
    ] as unknown as OpenAI.Responses.Tool[];
    local.handler = (request, res) => {
      const call = { id: 'call_1', type: 'function', function: { name: 'crm__note', arguments: '{"input":"hello"}' } };
      if (request.body?.stream !== true) {
        sendJson(res, 200, chatCompletion({ role: 'assistant', content: null, tool_calls: [call] }, 'tool_calls'));
        return;
      }
      sendFrames(res, [
        chatChunkFrame(CHUNK, { role: 'assistant', tool_calls: [{ index: 0, ...call }] }),
        chatChunkFrame(CHUNK, {}, 'tool_calls'),
        DONE_FRAME,
      ]);
    };
    const created = await client().responses.create({ model: 'local/qwen', input: 'note it', tools });
    const streamed = await client().responses.stream({ model: 'local/qwen', input: 'note it', tools }).finalResponse();
    for (const response of [created, streamed]) {
      expect(response.output[0]).toMatchObject({ type: 'custom_tool_call', call_id: 'call_1', name: 'note', namespace: 'crm', input: 'hello' });
    }
    local.reset();
    await client().responses.create({
      model: 'local/qwen',
      tools,
      input: [
        { role: 'user', content: 'note it' },
        created.output[0] as OpenAI.Responses.ResponseInputItem,
        { type: 'custom_tool_call_output', call_id: 'call_1', output: 'noted' },
      ],
    });
    const assistant = lastMessages(local).find((message) => message.role === 'assistant');
    expect(assistant?.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'crm__note', arguments: '{"input":"hello"}' } }]);
  });
});

describe('request fields of the wrong shape are refused, not dropped', () => {
  test.each([
    ['instructions', { instructions: ['Be brief.'] }, /`instructions` must be a string/],
    ['max_output_tokens', { max_output_tokens: '100' }, /an integer of at least 1\b/],
    ['text', { text: 'json' }, /`text` must be an object/],
    ['text', { text: { format: { type: 'grammar', syntax: 'lark', definition: 'start: "a"' } } }, /text, json_schema or json_object/],
    ['text', { text: { format: { type: 'json_schema', name: 'answer' } } }, /needs its `schema`/],
  ])('%s: %j', async (param, fields, message) => {
    const { status, error } = await refusal({ model: 'local/qwen', input: 'hi', ...fields });
    expect(status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(local.requests).toHaveLength(0);
  });

  test('a text format of type text, and null fields, are served', async () => {
    const response = await client().responses.create({ model: 'local/qwen', input: 'hi', text: { format: { type: 'text' } }, instructions: null });
    expect(response.status).toBe('completed');
    expect(lastMessages(local)).toEqual([{ role: 'user', content: 'hi' }]);
  });
});
