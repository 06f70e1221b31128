/**
 * `configuration_update` input items (`openai` 7.59; Codex 0.171's protocol has them) on the
 * bridged (`local`) and translated (`anthropic`) `/responses` routes, through the `openai` SDK: the
 * settings in effect are the request's `reasoning.effort` and `text.format`, each update in `input`
 * order replacing those it names, and they reach the provider as the request's own would (DESIGN
 * sections 10 and 11); the item itself is not part of the history sent. A bad value in an update is
 * the 400 the request's own would be, `param` naming the item. Passthrough keeps the item as it is.
 */
import OpenAI from 'openai';
import type { FakeUpstream } from '../support/fake-upstream';
import { CLIENT_TOKEN } from '../support/keys';
import { observe } from '../support/observe';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';

type Input = OpenAI.Responses.ResponseInputItem[];
type Json = Record<string, unknown>;

const fakes = useFakes();
const observed = observe();
const host = useHost(fakes, { router: { conversationLogger: observed.conversationLogger } });
beforeAll(() => observed.listen(host.router));
afterEach(() => observed.clear());

const client = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

const SCHEMA_A = { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } as const;
const SCHEMA_B = { type: 'json_schema', name: 'verdict', schema: { type: 'object', properties: { b: { type: 'boolean' } } } } as const;

/** A conversation whose second turn raises the effort and changes the format, as OpenAI's guide shows. */
const UPDATED: Input = [
  { role: 'user', content: 'Plan the trip.' },
  { role: 'assistant', content: 'A plan.' },
  { type: 'configuration_update', id: 'cfg_1', reasoning: { effort: 'medium' } },
  { type: 'configuration_update', reasoning: { effort: 'high' }, text: { format: SCHEMA_B } },
  { role: 'user', content: 'Now check it.' },
];

interface Route {
  model: string;
  fake: () => FakeUpstream;
  /** The effort and format the upstream request asks for, in the route's terms. */
  settings: (sent: Json) => { effort: unknown; format: unknown };
  /** The conversation the upstream request carries. */
  conversation: (sent: Json) => unknown;
}

const ROUTES: Route[] = [
  {
    model: 'local/qwen3',
    fake: () => fakes.local,
    settings: (sent) => ({
      effort: sent.reasoning_effort,
      format: (sent.response_format as { json_schema?: Json } | undefined)?.json_schema?.schema,
    }),
    conversation: (sent) => sent.messages,
  },
  {
    model: 'anthropic/claude-sonnet-5-5',
    fake: () => fakes.anthropic,
    settings: (sent) => {
      const config = sent.output_config as { effort?: unknown; format?: { schema?: unknown } } | undefined;
      return { effort: sent.thinking === undefined ? undefined : config?.effort, format: config?.format?.schema };
    },
    conversation: (sent) => sent.messages,
  },
];

async function create(model: string, stream: boolean, fields: Json): Promise<OpenAI.Responses.Response> {
  const params = { model, reasoning: { effort: 'low' }, text: { format: SCHEMA_A }, ...fields } as OpenAI.Responses.ResponseCreateParams;
  if (!stream) return client().responses.create({ ...params, stream: false } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
  let completed: OpenAI.Responses.Response | undefined;
  for await (const event of await client().responses.create({ ...params, stream: true } as OpenAI.Responses.ResponseCreateParamsStreaming)) {
    if (event.type === 'response.completed') completed = event.response;
  }
  expect(completed).toBeDefined();
  return completed!;
}

describe.each(ROUTES)('$model', (route) => {
  test.each([false, true])('the last update of each setting reaches the provider, and the item is not sent (streamed %s)', async (stream) => {
    const response = await create(route.model, stream, { input: UPDATED });
    const sent = upstreamBody(route.fake());
    expect(route.settings(sent)).toEqual({ effort: 'high', format: SCHEMA_B.schema });
    expect(JSON.stringify(route.conversation(sent))).not.toMatch(/configuration_update|cfg_1/);
    expect(JSON.stringify(route.conversation(sent))).toContain('Now check it.');
    // The answer repeats the settings it was made with.
    expect(response.reasoning?.effort).toBe('high');
    expect(response.text?.format).toEqual(SCHEMA_B);
  });

  test('an update between a call and its output leaves the tool loop as it is', async () => {
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} }, strict: false }];
    await create(route.model, false, {
      tools,
      reasoning: undefined,
      input: [
        { role: 'user', content: 'Look it up.' },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
        { type: 'configuration_update', text: { format: { type: 'text' } } },
        { type: 'function_call', call_id: 'call_2', name: 'lookup', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'one' },
        { type: 'function_call_output', call_id: 'call_2', output: 'two' },
      ],
    });
    const sent = JSON.stringify(route.conversation(upstreamBody(route.fake())));
    expect(sent).not.toContain('configuration_update');
    // Both calls in one assistant turn, both outputs after it.
    expect(sent).toMatch(/call_1.*call_2.*"one".*"two"/);
    expect(sent.match(/"role":"assistant"/g)).toHaveLength(1);
    expect(route.settings(upstreamBody(route.fake()))).toEqual({ effort: undefined, format: undefined });
  });

  test("an update names only what it changes: the request's format stays when an update changes the effort", async () => {
    await create(route.model, false, {
      input: [{ type: 'configuration_update', reasoning: { effort: 'high' } }, ...UPDATED.slice(0, 2), ...UPDATED.slice(4)],
    });
    expect(route.settings(upstreamBody(route.fake()))).toEqual({ effort: 'high', format: SCHEMA_A.schema });
  });

  test('an update to the text format returns to plain text; an effort of null changes nothing', async () => {
    await create(route.model, false, {
      input: [
        { role: 'user', content: 'hi' },
        { type: 'configuration_update', reasoning: { effort: null }, text: { format: { type: 'text' } } },
      ],
    });
    expect(route.settings(upstreamBody(route.fake()))).toEqual({ effort: 'low', format: undefined });
  });

  test.each<[string, Json, string]>([
    ['reasoning not an object', { reasoning: 'high' }, 'input[1].reasoning'],
    ['an effort that is not a string', { reasoning: { effort: 42 } }, 'input[1].reasoning.effort'],
    ['text not an object', { text: 'json' }, 'input[1].text'],
    ['a format the API does not define', { text: { format: { type: 'yaml' } } }, 'input[1].text'],
    ['a json_schema format without its schema', { text: { format: { type: 'json_schema', name: 'x' } } }, 'input[1].text'],
  ])('%s is a 400 naming the item, and nothing is sent', async (_name, update, param) => {
    const input = [
      { role: 'user', content: 'hi' },
      { type: 'configuration_update', ...update },
    ];
    const error = await rejectionOf(create(route.model, false, { input }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param, code: 'invalid_request' });
    expect(error.message).toContain(param);
    expect(fakes.received()).toHaveLength(0);
  });

  test('a field an update holds that the route cannot carry is a 400 naming it, and nothing is sent', async () => {
    const input = [
      { role: 'user', content: 'hi' },
      { type: 'configuration_update', tools: [] },
    ];
    const error = await rejectionOf(create(route.model, false, { input }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'input', code: 'unsupported_parameter' });
    expect(error.message).toMatch(/input\[1\].*tools/);
    expect(fakes.received()).toHaveLength(0);
  });

  test('the conversation record and request.end are those of the request as the client sent it', async () => {
    await create(route.model, false, { input: UPDATED });
    const [end] = await observed.waitForEnds(1);
    expect(end).toMatchObject({ status: 200, outcome: 'ok', endpoint: 'responses' });
    expect(observed.records).toEqual([expect.objectContaining({ messages: UPDATED })]);
  });
});

describe('what Anthropic cannot take, from an update, is the 400 the request field would be, naming the item', () => {
  const MODEL = 'anthropic/claude-sonnet-5-5';

  test('an effort that is no effort: input[i].reasoning.effort', async () => {
    const input = [
      { role: 'user', content: 'hi' },
      { type: 'configuration_update', reasoning: { effort: 'extreme' } },
    ];
    const error = await rejectionOf(create(MODEL, false, { input }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'input[1].reasoning.effort' });
    expect(error.message).toContain('input[1].reasoning.effort "extreme" is not an effort');
    expect(fakes.anthropic.requests).toHaveLength(0);
  });

  test('json_object: input[i].text.format', async () => {
    const input = [
      { role: 'user', content: 'hi' },
      { type: 'configuration_update', text: { format: { type: 'json_object' } } },
    ];
    const error = await rejectionOf(create(MODEL, false, { input }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'input[1].text.format' });
    expect(error.message).not.toContain('response_format');
    expect(fakes.anthropic.requests).toHaveLength(0);
  });

  test("the request's own effort that no update replaced is still named as the request's", async () => {
    const input = [
      { role: 'user', content: 'hi' },
      { type: 'configuration_update', text: { format: SCHEMA_B } },
    ];
    const error = await rejectionOf(create(MODEL, false, { input, reasoning: { effort: 'extreme' } }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'reasoning.effort' });
  });
});

test('passthrough (openai) sends the update as it is', async () => {
  await create('openai/gpt-5.5', false, { input: UPDATED });
  expect(upstreamBody(fakes.openai).input).toEqual(UPDATED);
});
