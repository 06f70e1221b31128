/**
 * Acceptance probe of the three client dialects through the Vercel AI SDK (`ai`, with
 * `@ai-sdk/openai` and `@ai-sdk/anthropic`), the client library most chat backends use, as a real
 * client of a host: `openai.responses(model)` (the Responses API), `openai.chat(model)` (chat
 * completions) and `anthropic(model)` (Messages), each on a passthrough route (the same dialect
 * upstream) and on a translated or bridged one. Each fake plays the model in its provider's own
 * wire format, with that API's checks. The probes run `generateText` and `streamText` (the same
 * text, usage and finish reason), a zod tool with `execute` in a `stopWhen: stepCountIs(3)` loop,
 * `Output.object` (a zod schema asked as a JSON schema), reasoning options, an abort mid-stream,
 * and upstream errors; each checks what the upstream received against what the SDK sent (recorded
 * by the SDK's own `fetch` option), and that no token or key crosses to the other side.
 *
 * What AI SDK users have to know, as the probes show it (README, "Vercel AI SDK"): `baseURL` is the
 * host's mount with `/v1`, for both providers; and on the Responses routes that are not OpenAI's
 * own, `providerOptions.openai.store: false`, without which the SDK sends the earlier items of a
 * tool loop as `item_reference`, which a stateless route refuses (DESIGN section 11).
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, Output, stepCountIs, streamText, tool, type LanguageModel, type ModelMessage } from 'ai';
import { z } from 'zod';
import { AGENT_REASONING, THINK_MARK, type AgentTurn } from '../support/agent-upstreams';
import type { FakeUpstream } from '../support/fake-upstream';
import { asArray, asJson, type Json } from '../support/json-shape';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import {
  dialectOf,
  inStreamErrorFrames,
  openingFrames,
  refuseWith,
  streamThenSilence,
  textFrames,
  WHOLE_TEXT,
} from '../support/misbehaving-upstreams';
import { responsesFrames } from '../support/responses-wire';
import { firstTextFrameIndex, sendFrames, sendHeldStream } from '../support/upstream-answers';
import { bodiesOf, callsToolThen, says, scriptedModel } from '../support/scripted-model';
import { useFakes } from '../support/use-fakes';
import {
  callsAndOutputsOf,
  type CallsAndOutputs,
  maxTokensOf,
  outputSchemaOf,
  systemOf,
  toolsOf,
  turnsOf,
  type Wire,
} from '../support/upstream-request';
import { useWatchedHost } from '../support/use-host';
import { waitUntil } from '../support/wait';

const fakes = useFakes();
const watched = useWatchedHost(fakes);
const { host } = watched;

interface Route {
  name: string;
  /** The dialect the SDK speaks to the host. */
  client: Wire;
  model: string;
  fake: () => FakeUpstream;
  /** The dialect the router speaks to the upstream. */
  wire: Wire;
}

const ROUTES: readonly Route[] = [
  { name: 'responses → openai (passthrough)', client: 'responses', model: 'openai/gpt-5.5', fake: () => fakes.openai, wire: 'responses' },
  { name: 'responses → local (bridged to chat completions)', client: 'responses', model: 'local/qwen3', fake: () => fakes.local, wire: 'chat' },
  {
    name: 'responses → anthropic (translated to Messages)',
    client: 'responses',
    model: 'anthropic/claude-sonnet-5-5',
    fake: () => fakes.anthropic,
    wire: 'messages',
  },
  { name: 'chat → openai (passthrough)', client: 'chat', model: 'openai/gpt-5.5', fake: () => fakes.openai, wire: 'chat' },
  {
    name: 'chat → anthropic (translated to Messages)',
    client: 'chat',
    model: 'anthropic/claude-sonnet-5-5',
    fake: () => fakes.anthropic,
    wire: 'messages',
  },
  {
    name: 'messages → anthropic (passthrough)',
    client: 'messages',
    model: 'anthropic/claude-sonnet-5-5',
    fake: () => fakes.anthropic,
    wire: 'messages',
  },
  { name: 'messages → openai (translated to chat completions)', client: 'messages', model: 'openai/gpt-5.5', fake: () => fakes.openai, wire: 'chat' },
];

/** What the SDK sent the host, in order: each request's path, headers and body (its `fetch`, recorded). */
interface Sent {
  path: string;
  headers: Record<string, string>;
  body: Json;
}
const sent: Sent[] = [];
afterEach(() => {
  sent.length = 0;
});

const recordingFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const headers = Object.fromEntries(new Headers(init?.headers).entries());
  sent.push({ path: url.pathname, headers, body: typeof init?.body === 'string' ? asJson(JSON.parse(init.body)) : {} });
  return fetch(input, init);
};

/** The SDK's model for `route`, pointed at the host (`/v1`) with the host's token. */
function modelOf(route: Route): LanguageModel {
  const baseURL = `${host.url}/v1`;
  if (route.client === 'messages') return createAnthropic({ baseURL, apiKey: CLIENT_TOKEN, fetch: recordingFetch })(route.model);
  const openai = createOpenAI({ baseURL, apiKey: CLIENT_TOKEN, fetch: recordingFetch });
  return route.client === 'chat' ? openai.chat(route.model) : openai.responses(route.model);
}

/**
 * The options every call on `route` takes: no retries (a refused request is sent once), and on the
 * stateless Responses routes `store: false`, which the README asks AI SDK users to set.
 */
function baseOptions(route: Route) {
  const stateless = route.client === 'responses' && route.wire !== 'responses';
  return { model: modelOf(route), maxRetries: 0, ...(stateless ? { providerOptions: { openai: { store: false } } } : {}) };
}

const SYSTEM = 'You are a terse weather assistant.';
const PROMPT = 'Weather in Paris?';
const ANSWER = 'It is sunny in Paris.';
const CITY_ARGUMENTS = JSON.stringify({ city: 'Paris' });
const forecastOf = (city: string): string => `Sunny, 21 C in ${city}`;

const FORECAST = z.object({ city: z.string(), sky: z.enum(['sunny', 'cloudy']), celsius: z.number() });
const FORECAST_VALUE = { city: 'Paris', sky: 'sunny', celsius: 21 };

/** The weather tool, recording the city of each run. */
const weatherTool = (calls: string[]) =>
  tool({
    description: 'The weather of a city.',
    inputSchema: z.object({ city: z.string() }),
    execute: ({ city }) => {
      calls.push(city);
      return forecastOf(city);
    },
  });

/** The call ids and the tool outputs of the upstream conversation: these probes pair calls and outputs by id only. */
function callIdsAndOutputsOf(wire: Wire, body: Json): { calls: string[]; outputs: CallsAndOutputs['outputs'] } {
  const { calls, outputs } = callsAndOutputsOf(wire, body);
  return { calls: calls.map((call) => call.id), outputs };
}

/** Extended thinking as a Messages client asks for it, with the output room it needs. */
const ANTHROPIC_THINKING = { maxOutputTokens: 20000, providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 4000 } } } };

/** The credentials each upstream got: the provider's key (llama-server takes none), never the client's token. */
const upstreamAuthOf = (route: Route): Record<string, string | undefined> => {
  if (route.wire === 'messages') return { authorization: undefined, 'x-api-key': KEYS.anthropic };
  if (route.fake() === fakes.local) return { authorization: undefined, 'x-api-key': undefined };
  return { authorization: `Bearer ${KEYS.openai}`, 'x-api-key': undefined };
};

// ---------------------------------------------------------------- the model, scripted per wire

const callsWeatherThen = (text: string) => callsToolThen('get_weather', CITY_ARGUMENTS, text);

/** Usage as the SDK counts it, without the provider's own object (`raw`). */
const withoutRaw = (usage: object): object => Object.fromEntries(Object.entries(usage).filter(([key]) => key !== 'raw'));

// ---------------------------------------------------------------- nothing the SDK sent is lost

/**
 * Where each top-level field the SDK sends lands upstream, per client dialect and upstream wire:
 * a check of the upstream body, given the SDK's. A field the SDK sends that is not listed fails
 * the probe: a new field of the SDK is looked at, not dropped unseen.
 */
type Landing = (upstream: Json, client: Json) => void;
const same =
  (field: string, to = field): Landing =>
  (upstream, client) =>
    expect(upstream[to]).toEqual(client[field]);
const present =
  (to: string): Landing =>
  (upstream) =>
    expect(upstream[to]).toBeDefined();
const ignored: Landing = () => undefined;

const LANDINGS: Record<Wire, Partial<Record<Wire, Record<string, Landing>>>> = {
  responses: {
    chat: {
      model: present('model'),
      input: present('messages'),
      instructions: present('messages'),
      stream: same('stream'),
      max_output_tokens: same('max_output_tokens', 'max_tokens'),
      temperature: same('temperature'),
      tools: present('tools'),
      tool_choice: same('tool_choice'),
      text: (upstream) => expect(asJson(upstream.response_format).type).toBe('json_schema'),
      reasoning: (upstream, client) => expect(upstream.reasoning_effort).toBe(asJson(client.reasoning).effort),
      // DESIGN section 11: answered as `false`.
      store: ignored,
      // `reasoning.encrypted_content`: the reasoning comes back in the router's envelope (section 10).
      include: ignored,
    },
    messages: {
      model: present('model'),
      input: present('messages'),
      instructions: present('system'),
      stream: same('stream'),
      max_output_tokens: same('max_output_tokens', 'max_tokens'),
      temperature: same('temperature'),
      tools: present('tools'),
      tool_choice: present('tool_choice'),
      text: (upstream) => expect(asJson(upstream.output_config).format).toBeDefined(),
      reasoning: (upstream, client) => expect(asJson(upstream.output_config).effort).toBe(asJson(client.reasoning).effort),
      store: ignored,
      include: ignored,
    },
  },
  chat: {
    messages: {
      model: present('model'),
      messages: present('messages'),
      stream: same('stream'),
      // The usage chunk is asked for; Anthropic's stream always carries usage.
      stream_options: ignored,
      max_completion_tokens: same('max_completion_tokens', 'max_tokens'),
      max_tokens: same('max_tokens'),
      temperature: same('temperature'),
      tools: present('tools'),
      tool_choice: present('tool_choice'),
      response_format: (upstream) => expect(asJson(upstream.output_config).format).toBeDefined(),
      reasoning_effort: (upstream, client) => expect(asJson(upstream.output_config).effort).toBe(client.reasoning_effort),
    },
  },
  messages: {
    chat: {
      model: present('model'),
      messages: present('messages'),
      system: (upstream, client) => expect(systemOf('chat', upstream)).toBe(systemOf('messages', client)),
      stream: same('stream'),
      max_tokens: (upstream, client) => expect(maxTokensOf('chat', upstream)).toBe(client.max_tokens),
      temperature: same('temperature'),
      tools: present('tools'),
      tool_choice: present('tool_choice'),
      output_config: (upstream) => expect(upstream.response_format).toBeDefined(),
      thinking: (upstream) => expect(upstream.reasoning_effort).toBeDefined(),
    },
  },
};

/** What a passthrough sends of `body`: to OpenAI's chat completions, `max_tokens` as `max_completion_tokens` (DESIGN section 6). */
function passedThrough(route: Route, body: Json): Json {
  if (route.wire !== 'chat' || route.fake() !== fakes.openai || body.max_tokens === undefined) return body;
  const { max_tokens: maxTokens, ...rest } = body;
  return { ...rest, max_completion_tokens: maxTokens };
}

/**
 * The upstream got what the SDK sent: on a passthrough route the same body (the model's prefix
 * off); on the others each field where {@link LANDINGS} says.
 */
function expectNothingLost(route: Route): void {
  const upstream = bodiesOf(route);
  const client = sent.map((request) => request.body);
  expect(upstream).toHaveLength(client.length);
  client.forEach((body, index) => {
    const received = upstream[index]!;
    if (route.client === route.wire) {
      expect(received).toEqual({ ...passedThrough(route, body), model: route.model.split('/')[1] });
      return;
    }
    const landings = LANDINGS[route.client][route.wire]!;
    for (const field of Object.keys(body)) {
      expect([field, field in landings]).toEqual([field, true]);
      landings[field]!(received, body);
    }
  });
}

// ---------------------------------------------------------------- the probes

describe.each(ROUTES)('the AI SDK on $name', (route) => {
  test('generateText and streamText: the same text, usage and finish reason; the system prompt and the prompt upstream', async () => {
    route.fake().handler = scriptedModel(route, says(ANSWER));
    host.ends.length = 0;
    const plain = await generateText({ ...baseOptions(route), system: SYSTEM, prompt: PROMPT, temperature: 0.3, maxOutputTokens: 300 });
    const streamed = streamText({ ...baseOptions(route), system: SYSTEM, prompt: PROMPT, temperature: 0.3, maxOutputTokens: 300 });
    let pieces = '';
    for await (const piece of streamed.textStream) pieces += piece;

    expect(plain.text).toBe(ANSWER);
    expect(pieces).toBe(ANSWER);
    expect(await streamed.text).toBe(ANSWER);
    expect(plain.finishReason).toBe('stop');
    expect(await streamed.finishReason).toBe('stop');
    expect(plain.usage.inputTokens).toBeGreaterThan(0);
    expect(plain.usage.outputTokens).toBeGreaterThan(0);
    expect(withoutRaw(await streamed.usage)).toEqual(withoutRaw(plain.usage));
    // Telemetry counts what the SDK counts, for both.
    const { inputTokens, outputTokens, totalTokens } = plain.usage;
    const counted = { promptTokens: inputTokens, completionTokens: outputTokens, totalTokens };
    expect(host.ends.map((end) => [end.outcome, end.stream, end.usage])).toEqual([
      ['ok', false, expect.objectContaining(counted)],
      ['ok', true, expect.objectContaining(counted)],
    ]);

    const [first, second] = bodiesOf(route);
    expect([first!.stream ?? false, second!.stream]).toEqual([false, true]);
    for (const body of [first!, second!]) {
      expect(systemOf(route.wire, body)).toBe(SYSTEM);
      expect(JSON.stringify(turnsOf(route.wire, body))).toContain(PROMPT);
      expect(maxTokensOf(route.wire, body)).toBe(300);
    }
    // @ai-sdk/anthropic leaves the temperature out for a Claude model it takes as thinking.
    expect(first!.temperature).toBe(sent[0]!.body.temperature);
    if (route.client !== 'messages') expect(first!.temperature).toBe(0.3);
    for (const request of route.fake().requests) {
      const { authorization, 'x-api-key': apiKey } = request.headers;
      expect({ authorization, 'x-api-key': apiKey }).toEqual(upstreamAuthOf(route));
    }
    expectNothingLost(route);
    watched.expectNoSecretsCrossed([plain.response, plain.steps, await streamed.response, await streamed.steps]);
  });

  test.each([false, true])('a zod tool with execute round-trips in a stepCountIs(3) loop, streamed: %s', async (stream) => {
    route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
    const calls: string[] = [];
    const options = { ...baseOptions(route), system: SYSTEM, prompt: PROMPT, tools: { get_weather: weatherTool(calls) }, stopWhen: stepCountIs(3) };
    const result = stream ? streamText(options) : await generateText(options);

    expect(await result.text).toBe(ANSWER);
    expect(calls).toEqual(['Paris']);
    const steps = await result.steps;
    expect(steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
    const [asking, answering] = bodiesOf(route);
    expect(bodiesOf(route)).toHaveLength(2);
    for (const body of [asking!, answering!]) {
      expect(toolsOf(route.wire, body)).toEqual([
        { name: 'get_weather', schema: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) },
      ]);
    }
    const { calls: sentCalls, outputs } = callIdsAndOutputsOf(route.wire, answering!);
    expect(sentCalls).toHaveLength(1);
    expect(outputs).toEqual([{ id: sentCalls[0], output: expect.stringContaining(forecastOf('Paris')) }]);
    expectNothingLost(route);
    watched.expectNoSecretsCrossed([await result.response, steps]);
  });

  test.each([false, true])('Output.object (a zod schema) asks for that JSON schema and parses the answer, streamed: %s', async (stream) => {
    route.fake().handler = scriptedModel(route, says(JSON.stringify(FORECAST_VALUE)));
    const options = { ...baseOptions(route), prompt: PROMPT, output: Output.object({ schema: FORECAST }) };
    const output = stream ? await streamText(options).output : (await generateText(options)).output;

    expect(output).toEqual(FORECAST_VALUE);
    expect(asJson(outputSchemaOf(route.wire, bodiesOf(route)[0]!))).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, sky: { type: 'string', enum: ['sunny', 'cloudy'] }, celsius: { type: 'number' } },
      required: ['city', 'sky', 'celsius'],
    });
    expectNothingLost(route);
  });

  test('an abort mid-stream: the SDK stops, the upstream request is aborted, request.end says aborted', async () => {
    const fake = route.fake();
    const frames = route.wire === 'responses' ? responsesFrames({ type: 'text' }) : openingFrames(dialectOf(fake));
    fake.handler = (_request, res) => sendHeldStream(res, frames, route.wire === 'responses' ? firstTextFrameIndex(frames) : frames.length - 1);
    host.ends.length = 0;
    const controller = new AbortController();
    const result = streamText({ ...baseOptions(route), prompt: PROMPT, abortSignal: controller.signal, onError: () => undefined });
    const seen: string[] = [];
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }

    expect(seen).toContain('text-delta');
    expect(seen.at(-1)).toBe('abort');
    await waitUntil(() => fake.closedRequests === 1, 10_000, 'the upstream request closed');
    await waitUntil(() => host.ends.length === 1, 10_000, 'request.end');
    expect(host.ends[0]).toMatchObject({ outcome: 'aborted', stream: true });
  });

  test('a generateText aborted while the upstream is silent: the SDK throws the abort, the upstream request is aborted', async () => {
    const fake = route.fake();
    fake.handler = (_request, res) => streamThenSilence(res, []);
    host.ends.length = 0;
    const controller = new AbortController();
    const pending = generateText({ ...baseOptions(route), prompt: PROMPT, abortSignal: controller.signal }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    await waitUntil(() => fake.requests.length === 1, 10_000, 'the upstream request');
    controller.abort();

    expect(String(await pending)).toMatch(/abort/i);
    await waitUntil(() => fake.closedRequests === 1, 10_000, 'the upstream request closed');
    await waitUntil(() => host.ends.length === 1, 10_000, 'request.end');
    expect(host.ends[0]).toMatchObject({ outcome: 'aborted', stream: false });
  });

  test('a 429 is thrown as an APICallError with its status and the provider’s message, streamed and not, sent once', async () => {
    const message = 'Rate limit reached for this model on tokens per min (fake).';
    route.fake().handler = refuseWith(route.fake(), {
      status: 429,
      message,
      type: route.wire === 'messages' ? 'rate_limit_error' : 'rate_limit_exceeded',
    });
    const plain = await generateText({ ...baseOptions(route), prompt: PROMPT }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    const errors: unknown[] = [];
    await streamText({ ...baseOptions(route), prompt: PROMPT, onError: ({ error }) => void errors.push(error) }).consumeStream();

    for (const error of [plain, errors[0]]) {
      expect(APICallError.isInstance(error)).toBe(true);
      expect((error as APICallError).statusCode).toBe(429);
      expect((error as APICallError).message).toContain(message);
    }
    expect(route.fake().requests).toHaveLength(2);
    watched.expectNoSecretsCrossed([String(plain), JSON.stringify(plain), String(errors[0]), JSON.stringify(errors[0])]);
  });

  test('a failure mid-stream reaches the SDK as an error part with the provider’s message', async () => {
    const fake = route.fake();
    const message = route.wire === 'responses' ? 'The model produced invalid content.' : 'Upstream overloaded midway (fake).';
    fake.handler = (_request, res) =>
      sendFrames(res, route.wire === 'responses' ? responsesFrames({ type: 'failed' }) : inStreamErrorFrames(dialectOf(fake), message, 'alone'));
    host.ends.length = 0;
    const errors: unknown[] = [];
    const result = streamText({ ...baseOptions(route), prompt: PROMPT, onError: ({ error }) => void errors.push(error) });
    await result.consumeStream();

    // On chat passthrough the provider's own error chunk, then the router's frame with its message (DESIGN section 2).
    expect(errors).toHaveLength(route.client === 'chat' && route.wire === 'chat' ? 2 : 1);
    for (const error of errors) expect(JSON.stringify(error) + String(error)).toContain(message);
    expect(host.ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
    watched.expectNoSecretsCrossed([errors.map(String), JSON.stringify(errors)]);
  });
});

describe.each(ROUTES.filter((route) => route.wire !== 'responses'))('an answer cut at max tokens through the AI SDK on $name', (route) => {
  test('streamText: the text so far, finishReason "length"', async () => {
    const fake = route.fake();
    fake.handler = (_request, res) => sendFrames(res, textFrames(dialectOf(fake), 'length'));
    const result = streamText({ ...baseOptions(route), prompt: PROMPT });

    expect(await result.text).toBe(WHOLE_TEXT);
    expect(await result.finishReason).toBe('length');
  });
});

describe('the SDK’s anthropic-beta header (DESIGN section 8)', () => {
  const EXTRA_BETA = 'fine-grained-tool-streaming-2025-05-14';

  test.each([
    // For a Claude model with tools the SDK adds the structured-outputs beta itself.
    ['messages → anthropic', `structured-outputs-2025-11-13,${EXTRA_BETA}`, `structured-outputs-2025-11-13,${EXTRA_BETA}`],
    ['messages → openai', EXTRA_BETA, undefined],
  ])('%s: the betas the SDK sends reach Anthropic, and no other provider', async (name, betas, upstream) => {
    const route = ROUTES.find((entry) => entry.name.startsWith(name))!;
    route.fake().handler = scriptedModel(route, says(JSON.stringify(FORECAST_VALUE)));
    const result = await generateText({
      ...baseOptions(route),
      prompt: PROMPT,
      headers: { 'anthropic-beta': EXTRA_BETA },
      tools: { get_weather: weatherTool([]) },
      output: Output.object({ schema: FORECAST }),
      providerOptions: { anthropic: { structuredOutputMode: 'outputFormat' } },
    });

    expect(result.output).toEqual(FORECAST_VALUE);
    expect(sent[0]!.headers['anthropic-beta']).toBe(betas);
    expect(route.fake().requests[0]!.headers['anthropic-beta']).toBe(upstream);
    expect(asJson(outputSchemaOf(route.wire, bodiesOf(route)[0]!))).toMatchObject({ required: ['city', 'sky', 'celsius'] });
  });
});

describe('the SDK’s cache_control (DESIGN section 8)', () => {
  test.each([
    ['messages → anthropic', true],
    ['messages → openai', false],
  ])('%s: a cache breakpoint reaches Anthropic as sent, and is dropped for other providers', async (name, kept) => {
    const route = ROUTES.find((entry) => entry.name.startsWith(name))!;
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const cached = { anthropic: { cacheControl: { type: 'ephemeral' } } } as const;
    const result = await generateText({
      ...baseOptions(route),
      maxOutputTokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT, providerOptions: cached }] }],
    });

    expect(result.text).toBe(ANSWER);
    expect(JSON.stringify(sent[0]!.body.messages)).toContain('"cache_control":{"type":"ephemeral"}');
    expect(JSON.stringify(bodiesOf(route)[0]!.messages).includes('cache_control')).toBe(kept);
    expect(JSON.stringify(turnsOf(route.wire, bodiesOf(route)[0]!))).toContain(PROMPT);
    expectNothingLost(route);
  });
});

// ---------------------------------------------------------------- reasoning

describe('reasoning options through the AI SDK (DESIGN section 10)', () => {
  const find = (name: string): Route => ROUTES.find((route) => route.name.startsWith(name))!;

  test.each([
    ['responses → openai', (body: Json) => asJson(asJson(body).reasoning).effort],
    ['responses → local', (body: Json) => body.reasoning_effort],
    ['responses → anthropic', (body: Json) => asJson(body.output_config).effort],
    ['chat → openai', (body: Json) => body.reasoning_effort],
    ['chat → anthropic', (body: Json) => asJson(body.output_config).effort],
  ])('%s: providerOptions.openai.reasoningEffort reaches the upstream in its words', async (name, effortOf) => {
    const route = find(name);
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const options = baseOptions(route);
    const result = await generateText({
      ...options,
      system: SYSTEM,
      prompt: `${PROMPT} ${THINK_MARK}`,
      maxOutputTokens: 20000,
      // The SDK knows a reasoning model by its id: `openai/gpt-5.5` it does not know, `forceReasoning` says so.
      providerOptions: { openai: { ...options.providerOptions?.openai, reasoningEffort: 'high', forceReasoning: true } },
    });

    expect(result.text).toBe(ANSWER);
    expect(effortOf(bodiesOf(route)[0]!)).toBe('high');
    // A reasoning model's system prompt: the SDK sends it with the `developer` role (chat) or in `input`.
    expect(systemOf(route.wire, bodiesOf(route)[0]!)).toBe(SYSTEM);
    expect(maxTokensOf(route.wire, bodiesOf(route)[0]!)).toBe(20000);
    expectNothingLost(route);
  });

  test.each([false, true])(
    'messages → anthropic: providerOptions.anthropic.thinking passes, the thinking comes back, streamed: %s',
    async (stream) => {
      const route = find('messages → anthropic');
      route.fake().handler = scriptedModel(route, () => ({ kind: 'text', text: ANSWER, reasoning: AGENT_REASONING }));
      const options = { ...baseOptions(route), prompt: PROMPT, ...ANTHROPIC_THINKING };
      const result = stream ? streamText(options) : await generateText(options);

      expect(await result.text).toBe(ANSWER);
      expect(await result.reasoningText).toBe(AGENT_REASONING);
      // @ai-sdk/anthropic sends a model it does not know `adaptive` thinking; the passthrough keeps it.
      expect(bodiesOf(route)[0]!.thinking).toEqual(sent[0]!.body.thinking);
      expect(sent[0]!.body.thinking).toBeDefined();
      expectNothingLost(route);
    },
  );

  test.each([false, true])('messages → openai: providerOptions.anthropic.thinking asks for reasoning, streamed: %s', async (stream) => {
    const route = find('messages → openai');
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const options = { ...baseOptions(route), prompt: PROMPT, ...ANTHROPIC_THINKING };
    const result = stream ? streamText(options) : await generateText(options);

    expect(await result.text).toBe(ANSWER);
    expect(bodiesOf(route)[0]!.reasoning_effort).toEqual(expect.any(String));
    expectNothingLost(route);
  });

  test('responses → local: the reasoning comes back as a reasoning part, its text in the envelope only, and goes back in a tool loop', async () => {
    const route = find('responses → local');
    route.fake().handler = scriptedModel(route, (afterTool) => ({ ...callsWeatherThen(ANSWER)(afterTool), reasoning: AGENT_REASONING }));
    const options = baseOptions(route);
    const result = await generateText({
      ...options,
      prompt: PROMPT,
      tools: { get_weather: weatherTool([]) },
      stopWhen: stepCountIs(3),
      providerOptions: { openai: { ...options.providerOptions?.openai, reasoningEffort: 'medium', forceReasoning: true } },
    });

    expect(result.text).toBe(ANSWER);
    // The router writes the text as `reasoning_text` content (DESIGN section 10); @ai-sdk/openai reads
    // only summaries, so the part's text is empty, and the envelope carries the reasoning (documented).
    expect(result.steps[0]!.reasoning.map((part) => ('text' in part ? part.text : part.type))).toEqual(['']);
    expect(JSON.stringify(result.steps[0]!.reasoning)).toContain('reasoningEncryptedContent');
    const caller = turnsOf('chat', bodiesOf(route)[1]!).find((message) => message.tool_calls !== undefined);
    expect(caller?.reasoning_content).toBe(AGENT_REASONING);
  });
});

describe.each(ROUTES.filter((route) => route.wire !== 'responses'))('parallel tool calls through the AI SDK on $name', (route) => {
  test.each([false, true])('two calls in one turn both run, each output paired with its call, streamed: %s', async (stream) => {
    const cities = ['Paris', 'Rome'];
    route.fake().handler = scriptedModel(route, (afterTool) =>
      afterTool
        ? { kind: 'text', text: ANSWER }
        : { kind: 'call', calls: cities.map((city) => ({ name: 'get_weather', arguments: JSON.stringify({ city }) })) },
    );
    const calls: string[] = [];
    const options = { ...baseOptions(route), prompt: PROMPT, tools: { get_weather: weatherTool(calls) }, stopWhen: stepCountIs(3) };
    const result = stream ? streamText(options) : await generateText(options);

    expect(await result.text).toBe(ANSWER);
    expect(calls.sort()).toEqual(cities);
    const { calls: sentCalls, outputs } = callIdsAndOutputsOf(route.wire, bodiesOf(route)[1]!);
    expect(sentCalls).toHaveLength(2);
    expect(new Set(sentCalls).size).toBe(2);
    expect(outputs.map((output) => output.id)).toEqual(sentCalls);
    expect(outputs.map((output) => output.output)).toEqual(cities.map((city) => expect.stringContaining(forecastOf(city))));
  });
});

describe('reasoning in a tool loop through the AI SDK (DESIGN section 10)', () => {
  const find = (name: string): Route => ROUTES.find((route) => route.name.startsWith(name))!;
  const thinkingTurns = (afterTool: boolean): AgentTurn => ({ ...callsWeatherThen(ANSWER)(afterTool), reasoning: AGENT_REASONING });

  /**
   * The weather tool loop on the route named `name`, its model thinking at each turn, with the
   * reasoning options `extra`, streamed or not: the answer must come back; the SDK's steps and the
   * upstream bodies are the tests' to read.
   */
  async function thinkingToolLoop(
    name: string,
    stream: boolean,
    extra: Pick<Parameters<typeof generateText>[0], 'maxOutputTokens' | 'providerOptions'>,
  ) {
    const route = find(name);
    route.fake().handler = scriptedModel(route, thinkingTurns);
    const options = { ...baseOptions(route), prompt: PROMPT, tools: { get_weather: weatherTool([]) }, stopWhen: stepCountIs(3), ...extra };
    const result = stream ? streamText(options) : await generateText(options);

    expect(await result.text).toBe(ANSWER);
    return { route, steps: await result.steps, bodies: bodiesOf(route) };
  }

  test.each([false, true])(
    'responses → anthropic with store: false and forceReasoning: the signed thinking goes back and thinking stays on, streamed: %s',
    async (stream) => {
      const loop = await thinkingToolLoop('responses → anthropic', stream, {
        providerOptions: { openai: { store: false, forceReasoning: true, reasoningEffort: 'medium' } },
      });

      expect(sent[0]!.body.include).toEqual(['reasoning.encrypted_content']);
      const [asking, answering] = loop.bodies;
      expect(asking!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
      const caller = turnsOf('messages', answering!).find((message) => message.role === 'assistant');
      expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(['thinking', 'tool_use']);
      expect(answering!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    },
  );

  test.each([false, true])('messages → anthropic with thinking: the signed thinking goes back as the SDK keeps it, streamed: %s', async (stream) => {
    const loop = await thinkingToolLoop('messages → anthropic', stream, ANTHROPIC_THINKING);

    expect(loop.steps[0]!.reasoningText).toBe(AGENT_REASONING);
    const caller = turnsOf('messages', loop.bodies[1]!).find((message) => message.role === 'assistant');
    expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(['thinking', 'tool_use']);
    expectNothingLost(loop.route);
  });

  test.each([false, true])(
    'chat → anthropic with reasoningEffort: the SDK sends no reasoning back, so thinking is left off after the call, streamed: %s',
    async (stream) => {
      const loop = await thinkingToolLoop('chat → anthropic', stream, { providerOptions: { openai: { reasoningEffort: 'medium' } } });

      const [asking, answering] = loop.bodies;
      expect(asking!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
      expect(answering!.thinking).toBeUndefined();
    },
  );
});

// ---------------------------------------------------------------- the SDK's stateful default

describe('the SDK’s default store on a stateless Responses route (DESIGN section 11)', () => {
  /** A first answer, then the conversation sent back with it, the SDK's `store` left unset the second time. */
  const replayWithoutStoreFalse = async (route: Route) => {
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const first = await generateText({ ...baseOptions(route), prompt: PROMPT });
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }, ...first.response.messages, { role: 'user', content: 'And tomorrow?' }];
    sent.length = 0;
    route.fake().reset();
    route.fake().handler = scriptedModel(route, says('Tomorrow too.'));
    return generateText({ model: modelOf(route), maxRetries: 0, messages }).then(
      (result) => result,
      (thrown: unknown) => thrown,
    );
  };

  test.each(['responses → local', 'responses → anthropic'])(
    '%s: an earlier answer goes as item_reference, refused naming input and the option',
    async (name) => {
      const route = ROUTES.find((entry) => entry.name.startsWith(name))!;
      const error = await replayWithoutStoreFalse(route);

      expect(JSON.stringify(sent[0]!.body.input)).toContain('item_reference');
      expect(APICallError.isInstance(error)).toBe(true);
      expect((error as APICallError).statusCode).toBe(400);
      expect((error as APICallError).message).toContain('item_reference');
      expect((error as APICallError).message).toContain('store: false');
      expect(route.fake().requests).toHaveLength(0);
    },
  );

  test('responses → openai: the passthrough sends the SDK’s item_reference on, for OpenAI to resolve', async () => {
    const route = ROUTES[0]!;
    await replayWithoutStoreFalse(route);

    expect(JSON.stringify(bodiesOf(route)[0]!.input)).toContain('item_reference');
    expectNothingLost(route);
  });
});

// ---------------------------------------------------------------- a conversation the backend keeps

describe.each(ROUTES)('a backend’s stored conversation sent back through the AI SDK on $name', (route) => {
  test('the earlier tool call and result, replayed as messages, reach the upstream paired', async () => {
    route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
    // On OpenAI's own Responses API too: the SDK's default `store` would send the earlier items as references.
    const options = route.client === 'responses' ? { ...baseOptions(route), providerOptions: { openai: { store: false } } } : baseOptions(route);
    const first = await generateText({ ...options, prompt: PROMPT, tools: { get_weather: weatherTool([]) }, stopWhen: stepCountIs(3) });
    route.fake().reset();
    sent.length = 0;
    route.fake().handler = scriptedModel(route, says('Tomorrow too.'));
    const messages: ModelMessage[] = [
      { role: 'user', content: PROMPT },
      ...first.steps.flatMap((step) => step.response.messages),
      { role: 'user', content: 'And tomorrow?' },
    ];
    const second = await generateText({ ...options, messages, tools: { get_weather: weatherTool([]) } });

    expect(second.text).toBe('Tomorrow too.');
    const body = bodiesOf(route)[0]!;
    const text = JSON.stringify(turnsOf(route.wire, body));
    expect(text.indexOf(PROMPT)).toBeLessThan(text.indexOf(ANSWER));
    expect(text.indexOf(ANSWER)).toBeLessThan(text.indexOf('And tomorrow?'));
    const { calls, outputs } = callIdsAndOutputsOf(route.wire, body);
    expect(calls).toHaveLength(1);
    expect(outputs).toEqual([{ id: calls[0], output: expect.stringContaining(forecastOf('Paris')) }]);
    expectNothingLost(route);
  });
});
