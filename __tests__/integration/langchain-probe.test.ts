/**
 * Acceptance probe of the three client dialects through LangChain JS (`@langchain/openai`,
 * `@langchain/anthropic`), one of the most used LLM client libraries, as a real client of a host:
 * `ChatOpenAI` on chat completions, `ChatOpenAI` with `useResponsesApi: true` on the Responses API
 * and `ChatAnthropic` on Messages, each against every provider (`local/...`, `openai/...`,
 * `openrouter/...`, `anthropic/...`), passthrough, bridged or translated. Each fake plays the model
 * in its provider's own wire format, with that API's checks. The probes run `invoke` and `stream`
 * (the same text and usage), a `bindTools` round trip (tool call, `ToolMessage`, final answer)
 * with one call or two (and with text before the call), `withStructuredOutput` (a zod schema, by
 * each method LangChain offers), reasoning where the upstream gives it, a second turn given the
 * first one's messages, a picture, the stop LangChain reads, usage details, an abort, and upstream
 * errors before and during the stream (a full context window too, in the provider's words); they check the
 * credentials each upstream got and that no token or key crosses to the other side. What LangChain
 * itself does oddly (whatever the backend) is said where a probe meets it.
 *
 * What LangChain users have to know, as the probes show it (README, "LangChain"): `ChatOpenAI`
 * takes the host's mount with `/v1` (`configuration.baseURL`), `ChatAnthropic` the host without it
 * (`anthropicApiUrl`); and `ChatOpenAI` sends its `reasoning` option only for model ids that start
 * with `gpt-5` or `o<digit>`, which a `provider/` prefixed id does not, so effort goes in
 * `modelKwargs` there.
 */
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, type ChatOpenAIFields } from '@langchain/openai';
import { ContextOverflowError } from '@langchain/core/errors';
import { z } from 'zod';
import { AGENT_REASONING, type AgentTurn } from '../support/agent-upstreams';
import type { FakeHandler, FakeUpstream, ProviderId } from '../support/fake-upstream';
import { asArray, asJson, type Json } from '../support/json-shape';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { inStreamErrorFrames, openingFrames, refuseWith } from '../support/misbehaving-upstreams';
import { responsesFrames, responsesObject } from '../support/responses-wire';
import { firstTextFrameIndex, sendFrames, sendHeldStream, sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';
import { anthropicMessage, anthropicStreamFrames, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';
import { bodiesOf, callsToolThen, says, scriptedModel } from '../support/scripted-model';
import { useFakes } from '../support/use-fakes';
import {
  callsAndOutputsOf,
  endsWithToolOutput,
  maxTokensOf,
  outputSchemaOf,
  systemOf,
  toolsOf,
  turnsOf,
  type Wire,
} from '../support/upstream-request';
import { useWatchedHost } from '../support/use-host';

const fakes = useFakes();
const watched = useWatchedHost(fakes);
const { host } = watched;

/** The LangChain client: `ChatOpenAI` on chat completions or on the Responses API, or `ChatAnthropic`. */
type Client = Wire;

interface Route {
  name: string;
  client: Client;
  provider: ProviderId;
  model: string;
  fake: () => FakeUpstream;
  /** The dialect the router speaks to the upstream. */
  wire: Wire;
}

const MODELS: Record<ProviderId, string> = {
  local: 'local/qwen3',
  openai: 'openai/gpt-5.5',
  openrouter: 'openrouter/qwen/qwen3-32b',
  anthropic: 'anthropic/claude-sonnet-5-5',
};

/** The upstream dialect of each client dialect and provider (DESIGN sections 1, 8 and 11). */
const UPSTREAM_WIRES: Record<Client, Record<ProviderId, Wire>> = {
  chat: { local: 'chat', openai: 'chat', openrouter: 'chat', anthropic: 'messages' },
  responses: { local: 'chat', openai: 'responses', openrouter: 'responses', anthropic: 'messages' },
  messages: { local: 'messages', openai: 'chat', openrouter: 'chat', anthropic: 'messages' },
};
const CLIENT_NAMES: Record<Client, string> = { chat: 'ChatOpenAI', responses: 'ChatOpenAI (Responses API)', messages: 'ChatAnthropic' };

const ROUTES: readonly Route[] = (['chat', 'responses', 'messages'] as const).flatMap((client) =>
  (['local', 'openai', 'openrouter', 'anthropic'] as const).map((provider) => ({
    name: `${CLIENT_NAMES[client]} → ${provider} (${UPSTREAM_WIRES[client][provider]} upstream)`,
    client,
    provider,
    model: MODELS[provider],
    fake: () => fakes[provider],
    wire: UPSTREAM_WIRES[client][provider],
  })),
);

/** What LangChain sent the host, in order: each request's path and body (the SDKs' `fetch`, recorded). */
const sent: Array<{ path: string; body: Json }> = [];
afterEach(() => {
  sent.length = 0;
});
const recordingFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  sent.push({ path: url.pathname, body: typeof init?.body === 'string' ? asJson(JSON.parse(init.body)) : {} });
  return fetch(input, init);
};

/** LangChain's chat model for `route`, pointed at the host with the host's token, no retries; `openai` and `anthropic` are each client's own options. */
function modelOf(
  route: Route,
  options: { openai?: Partial<ChatOpenAIFields>; anthropic?: Partial<ConstructorParameters<typeof ChatAnthropic>[0]> } = {},
): BaseChatModel {
  if (route.client === 'messages') {
    // The Anthropic SDK under ChatAnthropic appends /v1/messages itself.
    return new ChatAnthropic({
      model: route.model,
      apiKey: CLIENT_TOKEN,
      anthropicApiUrl: host.url,
      maxRetries: 0,
      clientOptions: { fetch: recordingFetch },
      ...options.anthropic,
    });
  }
  return new ChatOpenAI({
    model: route.model,
    apiKey: CLIENT_TOKEN,
    maxRetries: 0,
    useResponsesApi: route.client === 'responses',
    configuration: { baseURL: `${host.url}/v1`, fetch: recordingFetch },
    ...options.openai,
  });
}

const SYSTEM = 'You are a terse weather assistant.';
const PROMPT = 'Weather in Paris?';
const ANSWER = 'It is sunny in Paris.';
const CITY_ARGUMENTS = JSON.stringify({ city: 'Paris' });
const forecastOf = (city: string): string => `Sunny, 21 C in ${city}`;
const ASK: BaseMessage[] = [new SystemMessage(SYSTEM), new HumanMessage(PROMPT)];

const FORECAST = z.object({ city: z.string(), sky: z.enum(['sunny', 'cloudy']), celsius: z.number() });
const FORECAST_VALUE = { city: 'Paris', sky: 'sunny', celsius: 21 };

/** The weather tool, recording the city of each run. */
const weatherTool = (calls: string[]) =>
  tool(
    ({ city }: { city: string }) => {
      calls.push(city);
      return forecastOf(city);
    },
    { name: 'get_weather', description: 'The weather of a city.', schema: z.object({ city: z.string() }) },
  );

const callsWeatherThen = (text: string) => callsToolThen('get_weather', CITY_ARGUMENTS, text);

/**
 * The usage the fake's answer reports, as LangChain counts it: the agent fakes' fixed usage on chat
 * and Messages upstreams, the recorded answer's on OpenAI's or OpenRouter's `/responses`.
 */
function upstreamUsageOf(route: Route): { input_tokens: number; output_tokens: number; total_tokens: number } {
  if (route.wire !== 'responses') return { input_tokens: 120, output_tokens: 12, total_tokens: 132 };
  const usage = asJson(responsesObject({ type: 'text', text: ANSWER }).usage);
  return { input_tokens: Number(usage.input_tokens), output_tokens: Number(usage.output_tokens), total_tokens: Number(usage.total_tokens) };
}

/**
 * The usage LangChain counts for a streamed answer. `ChatAnthropic` reads the input tokens from
 * `message_start` alone and adds the output tokens of `message_start` to those of `message_delta`
 * (LangChain's doing, not the router's): on Anthropic's own stream (and llama-server's) the output
 * is one token more than the answer's, as `message_start` counts one; on a stream the router
 * translates from chat completions the input is 0, as the router learns it only from the upstream's
 * last chunk, and sends it in `message_delta.usage`, where Anthropic's SDK reads it and LangChain
 * does not (README, "LangChain").
 */
function streamedUsageOf(route: Route, usage: ReturnType<typeof upstreamUsageOf>): ReturnType<typeof upstreamUsageOf> {
  if (route.client !== 'messages') return usage;
  if (route.wire === 'messages') return { ...usage, output_tokens: usage.output_tokens + 1, total_tokens: usage.total_tokens + 1 };
  return { input_tokens: 0, output_tokens: usage.output_tokens, total_tokens: usage.output_tokens };
}

/** The `usage` of the last `message_delta` the host wrote a client. */
function lastMessageDeltaUsage(): Json {
  const deltas = watched.answers
    .flatMap((answer) => answer.body.split('\n'))
    .filter((line) => line.startsWith('data: ') && line.includes('"message_delta"'))
    .map((line) => asJson(JSON.parse(line.slice('data: '.length))));
  return asJson(deltas.at(-1)?.usage);
}

/** The credentials each upstream got: the provider's key (llama-server takes none), never the client's token. */
function expectProviderKeysUpstream(route: Route): void {
  const expected: Record<ProviderId, Record<string, string | undefined>> = {
    local: { authorization: undefined, 'x-api-key': undefined },
    openai: { authorization: `Bearer ${KEYS.openai}`, 'x-api-key': undefined },
    openrouter: { authorization: `Bearer ${KEYS.openrouter}`, 'x-api-key': undefined },
    anthropic: { authorization: undefined, 'x-api-key': KEYS.anthropic },
  };
  expect(route.fake().requests.length).toBeGreaterThan(0);
  for (const request of route.fake().requests) {
    const { authorization, 'x-api-key': apiKey } = request.headers;
    expect({ authorization, 'x-api-key': apiKey }).toEqual(expected[route.provider]);
  }
}

/** `model.stream(input)` to its end, the chunks concatenated as LangChain's own `invoke` does. */
async function streamToEnd(model: Pick<BaseChatModel, 'stream'>, input: BaseMessage[]): Promise<{ whole: AIMessageChunk; pieces: string[] }> {
  let whole: AIMessageChunk | undefined;
  const pieces: string[] = [];
  for await (const chunk of await model.stream(input)) {
    pieces.push(chunk.text);
    whole = whole === undefined ? chunk : whole.concat(chunk);
  }
  expect(whole).toBeDefined();
  return { whole: whole!, pieces };
}

/** An answer, invoked or streamed (the chunks concatenated). */
async function answerOf(model: Pick<BaseChatModel, 'invoke' | 'stream'>, input: BaseMessage[], stream: boolean): Promise<AIMessage | AIMessageChunk> {
  return stream ? (await streamToEnd(model, input)).whole : model.invoke(input);
}

// ---------------------------------------------------------------- the probes

describe.each(ROUTES)('LangChain’s $name', (route) => {
  test('invoke and stream: the same text and usage, the upstream’s; the system prompt and the prompt upstream; keys where they belong', async () => {
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const model = modelOf(route, { openai: { maxTokens: 300, temperature: 0.3 }, anthropic: { maxTokens: 300, temperature: 0.3 } });
    const plain = await model.invoke(ASK);
    const { whole: streamed, pieces } = await streamToEnd(model, ASK);

    expect(plain.text).toBe(ANSWER);
    expect(pieces.join('')).toBe(ANSWER);
    expect(pieces.filter((piece) => piece !== '').length).toBeGreaterThan(1);
    expect(streamed.text).toBe(ANSWER);
    const usage = upstreamUsageOf(route);
    expect(plain.usage_metadata).toMatchObject(usage);
    expect(streamed.usage_metadata).toMatchObject(streamedUsageOf(route, usage));
    if (route.client === 'messages' && route.wire === 'chat') expect(lastMessageDeltaUsage()).toMatchObject({ input_tokens: 120, output_tokens: 12 });

    const [first, second] = bodiesOf(route);
    expect(bodiesOf(route)).toHaveLength(2);
    expect([first!.stream ?? false, second!.stream]).toEqual([false, true]);
    for (const body of [first!, second!]) {
      expect(systemOf(route.wire, body)).toBe(SYSTEM);
      expect(JSON.stringify(turnsOf(route.wire, body))).toContain(PROMPT);
      expect(maxTokensOf(route.wire, body)).toBe(300);
      expect(body.temperature).toBe(0.3);
    }
    expect(sent.map((request) => request.path)).toEqual(
      Array(2).fill(`/v1/${{ chat: 'chat/completions', responses: 'responses', messages: 'messages' }[route.client]}`),
    );
    expectProviderKeysUpstream(route);
    watched.expectNoSecretsCrossed([plain, streamed]);
  });

  test.each([false, true])('bindTools: the tool call, its ToolMessage and the final answer round-trip, streamed: %s', async (stream) => {
    route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
    const calls: string[] = [];
    const weather = weatherTool(calls);
    const model = modelOf(route).bindTools!([weather]);
    const asking = await answerOf(model, ASK, stream);

    expect(asking.tool_calls).toEqual([{ type: 'tool_call', id: expect.any(String), name: 'get_weather', args: { city: 'Paris' } }]);
    const output = (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage;
    expect(output).toBeInstanceOf(ToolMessage);
    const final = await answerOf(model, [...ASK, asking, output], stream);

    expect(final.text).toBe(ANSWER);
    expect(final.tool_calls ?? []).toEqual([]);
    expect(calls).toEqual(['Paris']);
    const [first, answering] = bodiesOf(route);
    expect(toolsOf(route.wire, first!)).toEqual([
      { name: 'get_weather', schema: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) },
    ]);
    const { calls: sentCalls, outputs } = callsAndOutputsOf(route.wire, answering!);
    expect(sentCalls).toEqual([{ id: expect.any(String), name: 'get_weather' }]);
    expect(outputs).toEqual([{ id: sentCalls[0]!.id, output: forecastOf('Paris') }]);
    expect(final.usage_metadata?.total_tokens).toBeGreaterThan(0);
    expectProviderKeysUpstream(route);
    watched.expectNoSecretsCrossed([asking, final]);
  });

  describe.each(structuredMethodsOf(route))('withStructuredOutput, method $method', ({ method, streams }) => {
    test.each(streams)('parses the answer into the schema’s value, streamed: %s', async (stream) => {
      const byTool = method === 'functionCalling';
      route.fake().handler = scriptedModel(route, () =>
        byTool
          ? { kind: 'call', calls: [{ name: 'forecast', arguments: JSON.stringify(FORECAST_VALUE) }] }
          : { kind: 'text', text: JSON.stringify(FORECAST_VALUE) },
      );
      const structured = modelOf(route).withStructuredOutput(FORECAST, { name: 'forecast', method });
      const input = method === 'jsonMode' ? withJsonAsked(ASK) : ASK;
      const result = stream ? await lastOf(structured.stream(input)) : await structured.invoke(input);

      expect(result).toEqual(FORECAST_VALUE);
      const [body] = bodiesOf(route);
      if (byTool) {
        expect(toolsOf(route.wire, body!).map((offered) => offered.name)).toEqual(['forecast']);
        expect(JSON.stringify(body!.tool_choice)).toContain('forecast');
      } else if (method === 'jsonSchema') {
        // The Anthropic SDK under ChatAnthropic moves an `enum` into the property's description.
        const sky =
          route.client === 'messages'
            ? { type: 'string', description: expect.stringContaining('sunny') }
            : { type: 'string', enum: ['sunny', 'cloudy'] };
        expect(asJson(outputSchemaOf(route.wire, body!))).toMatchObject({
          type: 'object',
          properties: { city: { type: 'string' }, sky, celsius: { type: 'number' } },
          required: ['city', 'sky', 'celsius'],
        });
      } else {
        expect(route.wire === 'responses' ? asJson(asJson(body!.text).format).type : asJson(body!.response_format).type).toBe('json_object');
      }
      expectProviderKeysUpstream(route);
    });
  });

  if (route.wire === 'messages' && route.client !== 'messages') {
    test('withStructuredOutput jsonMode: a 400 LangChain shows, naming response_format and what to send instead; nothing sent upstream', async () => {
      const structured = modelOf(route).withStructuredOutput(FORECAST, { name: 'forecast', method: 'jsonMode' });
      const error = await structured.invoke(withJsonAsked(ASK)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

      expect(asJson(error).status).toBe(400);
      expect((error as Error).message).toContain('json_object');
      expect((error as Error).message).toContain('json_schema');
      expect(route.fake().requests).toHaveLength(0);
    });
  }

  test('an upstream 429 is thrown with its status and the provider’s message, streamed and not', async () => {
    const message = 'Rate limit reached (fake).';
    route.fake().handler = refuseWith(route.fake(), {
      status: 429,
      message,
      type: route.wire === 'messages' ? 'rate_limit_error' : 'rate_limit_exceeded',
    });
    const model = modelOf(route);
    for (const stream of [false, true]) {
      const error = await answerOf(model, ASK, stream).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Error);
      expect(asJson(error).status).toBe(429);
      expect((error as Error).message).toContain(message);
      watched.expectNoSecretsCrossed([String(error), JSON.stringify(error)]);
    }
  });

  test('a failure mid-stream is thrown with the provider’s message, not ended as a short answer', async () => {
    const fake = route.fake();
    // OpenAI's recorded failed stream, or the provider's error frame after the stream opened.
    const message = route.wire === 'responses' ? 'The model produced invalid content.' : 'Upstream overloaded midway (fake).';
    fake.handler = (_request, res) =>
      sendFrames(
        res,
        route.wire === 'responses'
          ? responsesFrames({ type: 'failed' })
          : inStreamErrorFrames(route.wire === 'messages' ? 'messages' : 'chat', message, 'alone'),
      );
    const outcome = await streamToEnd(modelOf(route), ASK).then(
      ({ whole }) => whole,
      (thrown: unknown) => thrown,
    );

    if (route.client === 'responses') {
      // LangChain's Responses stream reads no `response.failed` (nor `error`) event, OpenAI's own
      // passthrough included: the stream ends as a short answer without a status. The router did
      // say it, with the provider's message (README, "LangChain").
      expect(outcome).toBeInstanceOf(AIMessageChunk);
      expect((outcome as AIMessageChunk).response_metadata.status).toBeUndefined();
      const failed = watched.answers[0]!.body.split('\n').find((line) => line.startsWith('data: ') && line.includes('"response.failed"'));
      expect(asJson(asJson(asJson(JSON.parse(failed!.slice('data: '.length))).response).error).message).toBe(message);
    } else {
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(message);
    }
    watched.expectNoSecretsCrossed([String(outcome)]);
  });

  test('an abort (signal) mid-stream: LangChain stops, the upstream request is aborted, request.end says aborted', async () => {
    const fake = route.fake();
    const frames = route.wire === 'responses' ? responsesFrames({ type: 'text' }) : openingFrames(route.wire === 'messages' ? 'messages' : 'chat');
    fake.handler = (_request, res) => sendHeldStream(res, frames, route.wire === 'responses' ? firstTextFrameIndex(frames) : frames.length - 1);
    host.ends.length = 0;
    const controller = new AbortController();
    const pieces: string[] = [];
    const error = await (async () => {
      for await (const chunk of await modelOf(route).stream(ASK, { signal: controller.signal })) {
        pieces.push(chunk.text);
        if (chunk.text !== '') controller.abort();
      }
    })().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(pieces.join('')).not.toBe('');
    expect(String(error)).toMatch(/abort/i);
    await waitUntil(() => fake.closedRequests === 1, 10_000, 'the upstream request closed');
    await waitUntil(() => host.ends.length === 1, 10_000, 'request.end');
    expect(host.ends[0]).toMatchObject({ outcome: 'aborted', stream: true });
  });

  test('a second turn given the first turn’s messages (tool call and output) sends the whole conversation, paired', async () => {
    route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
    const weather = weatherTool([]);
    const model = modelOf(route).bindTools!([weather]);
    const asking = await model.invoke(ASK);
    const output = (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage;
    const answered = await model.invoke([...ASK, asking, output]);
    route.fake().reset();
    route.fake().handler = scriptedModel(route, says('Tomorrow too.'));
    const second = await model.invoke([...ASK, asking, output, answered, new HumanMessage('And tomorrow?')]);

    expect(second.text).toBe('Tomorrow too.');
    const [body] = bodiesOf(route);
    const text = JSON.stringify(turnsOf(route.wire, body!));
    expect(text.indexOf(PROMPT)).toBeLessThan(text.indexOf(ANSWER));
    expect(text.indexOf(ANSWER)).toBeLessThan(text.indexOf('And tomorrow?'));
    const { calls, outputs } = callsAndOutputsOf(route.wire, body!);
    expect(calls).toEqual([{ id: expect.any(String), name: 'get_weather' }]);
    expect(outputs).toEqual([{ id: calls[0]!.id, output: forecastOf('Paris') }]);
  });
});

// ---------------------------------------------------------------- LangChain's message shapes

/** A 1×1 PNG. */
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The stop of an invoked answer, where each LangChain client keeps it. */
const stopOf = (route: Route, answer: AIMessage): unknown =>
  route.client === 'chat'
    ? answer.response_metadata.finish_reason
    : route.client === 'messages'
      ? answer.response_metadata.stop_reason
      : answer.response_metadata.status;
const STOPS: Record<Client, { call: string; text: string }> = {
  chat: { call: 'tool_calls', text: 'stop' },
  messages: { call: 'tool_use', text: 'end_turn' },
  responses: { call: 'completed', text: 'completed' },
};

describe.each(ROUTES)('LangChain’s message shapes on $name', (route) => {
  test('each answer’s stop, where LangChain keeps it: a tool call, then the text', async () => {
    route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
    const weather = weatherTool([]);
    const model = modelOf(route).bindTools!([weather]);
    const asking = await model.invoke(ASK);
    const final = await model.invoke([...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage]);

    expect([stopOf(route, asking), stopOf(route, final)]).toEqual([STOPS[route.client].call, STOPS[route.client].text]);
  });

  test('a picture in the prompt (an image_url data URL) reaches the upstream as its picture', async () => {
    route.fake().handler = scriptedModel(route, says(ANSWER));
    const picture = new HumanMessage({
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL}` } },
      ],
    });
    const answer = await modelOf(route).invoke([picture]);

    expect(answer.text).toBe(ANSWER);
    const parts = turnsOf(route.wire, bodiesOf(route)[0]!).flatMap((turn) => asArray(turn.content).map(asJson));
    const image = parts.find((part) => ['image_url', 'image', 'input_image'].includes(String(part.type)));
    expect(JSON.stringify(image)).toContain(PIXEL);
    expect(JSON.stringify(parts)).toContain('What is this?');
  });

  if (route.wire !== 'responses') {
    test.each([false, true])('two tool calls in one turn: both ToolMessages go back, each paired with its call, streamed: %s', async (stream) => {
      const cities = ['Paris', 'Rome'];
      route.fake().handler = scriptedModel(route, (afterTool) =>
        afterTool
          ? { kind: 'text', text: ANSWER }
          : { kind: 'call', calls: cities.map((city) => ({ name: 'get_weather', arguments: JSON.stringify({ city }) })) },
      );
      const calls: string[] = [];
      const weather = weatherTool(calls);
      const model = modelOf(route).bindTools!([weather]);
      const asking = await answerOf(model, ASK, stream);
      expect(asking.tool_calls?.map((call) => call.args)).toEqual(cities.map((city) => ({ city })));
      const outputs = (await Promise.all(asking.tool_calls!.map((call) => weather.invoke(call)))) as ToolMessage[];
      const final = await answerOf(model, [...ASK, asking, ...outputs], stream);

      expect(final.text).toBe(ANSWER);
      const { calls: sentCalls, outputs: sentOutputs } = callsAndOutputsOf(route.wire, bodiesOf(route)[1]!);
      expect(sentCalls).toHaveLength(2);
      expect(sentOutputs).toEqual(sentCalls.map((call, index) => ({ id: call.id, output: forecastOf(cities[index]!) })));
    });
  }

  if (route.client === 'messages') {
    // ChatAnthropic writes no `is_error` for a ToolMessage with status "error" (LangChain's doing):
    // the output goes as a plain tool result, which the router carries as it came.
    test('a ToolMessage with status "error" reaches the provider as its output (LangChain sends no is_error)', async () => {
      route.fake().handler = scriptedModel(route, callsWeatherThen(ANSWER));
      const model = modelOf(route).bindTools!([weatherTool([])]);
      const asking = await model.invoke(ASK);
      const failed = new ToolMessage({ content: 'No such city.', tool_call_id: asking.tool_calls![0]!.id!, status: 'error' });
      const final = await model.invoke([...ASK, asking, failed]);

      expect(final.text).toBe(ANSWER);
      expect(JSON.stringify(sent[1]!.body)).not.toContain('is_error');
      expect(callsAndOutputsOf(route.wire, bodiesOf(route)[1]!).outputs).toEqual([{ id: expect.any(String), output: 'No such city.' }]);
    });
  }
});

/**
 * The structured output methods LangChain offers `route`'s client, each with the ways it is run
 * (invoked, streamed). `ChatAnthropic` has no JSON mode; Anthropic has no schema-less JSON, so on
 * routes to Anthropic `jsonMode` is the 400 tested apart. Left out, LangChain's doing on every route
 * passthrough included: `ChatAnthropic`'s `functionCalling` streamed (its parser gets the tool
 * call's input as `""` and throws), `ChatOpenAI`'s Responses `functionCalling` streamed (its parser
 * throws "Cannot handle non-string output."), and its Responses `jsonSchema` streamed from OpenAI's
 * or OpenRouter's own `/responses` (LangChain parses only when `response.completed` echoes
 * `text.format`, which the fake's recorded answer does not; the router's own answers do).
 */
function structuredMethodsOf(route: Route): Array<{ method: 'jsonSchema' | 'functionCalling' | 'jsonMode'; streams: boolean[] }> {
  const both = [false, true];
  if (route.client === 'messages') {
    return [
      { method: 'functionCalling', streams: [false] },
      { method: 'jsonSchema', streams: both },
    ];
  }
  return [
    { method: 'jsonSchema', streams: route.wire === 'responses' ? [false] : both },
    { method: 'functionCalling', streams: route.client === 'responses' ? [false] : both },
    ...(route.wire === 'messages' ? [] : [{ method: 'jsonMode' as const, streams: both }]),
  ];
}

/** The last value a stream yields (withStructuredOutput's stream yields the parsed value at its end). */
async function lastOf<T>(stream: Promise<AsyncIterable<T>>): Promise<T> {
  let last: T | undefined;
  for await (const value of await stream) last = value;
  return last!;
}

/** OpenAI's JSON mode wants the word "JSON" in the conversation. */
const withJsonAsked = (messages: BaseMessage[]): BaseMessage[] => [new SystemMessage(`${SYSTEM} Answer in JSON.`), ...messages.slice(1)];

// ---------------------------------------------------------------- reasoning (DESIGN section 10)

const routeOf = (client: Client, provider: ProviderId): Route => ROUTES.find((route) => route.client === client && route.provider === provider)!;
/** `turn`, thinking first at each step. */
const thinking =
  (turn: (afterTool: boolean) => AgentTurn) =>
  (afterTool: boolean): AgentTurn => ({ ...turn(afterTool), reasoning: AGENT_REASONING });

describe('reasoning through LangChain’s ChatOpenAI on chat completions', () => {
  test('its reasoning option is left out for a provider/ prefixed id (LangChain’s doing); modelKwargs.reasoning_effort reaches the upstream', async () => {
    const route = routeOf('chat', 'local');
    route.fake().handler = scriptedModel(route, says(ANSWER));
    await modelOf(route, { openai: { reasoning: { effort: 'high' } } }).invoke(ASK);
    await modelOf(route, { openai: { modelKwargs: { reasoning_effort: 'high' } } }).invoke(ASK);

    expect(bodiesOf(route).map((body) => body.reasoning_effort)).toEqual([undefined, 'high']);
  });

  test.each(['local', 'anthropic'] as const)(
    '→ %s: the reasoning text in additional_kwargs.reasoning_content, invoked and streamed',
    async (provider) => {
      const route = routeOf('chat', provider);
      route.fake().handler = scriptedModel(route, thinking(says(ANSWER)));
      const model = modelOf(route, { openai: { modelKwargs: { reasoning_effort: 'medium' } } });
      const plain = await model.invoke(ASK);
      const { whole: streamed } = await streamToEnd(model, ASK);

      for (const answer of [plain, streamed]) {
        expect(answer.text).toBe(ANSWER);
        expect(answer.additional_kwargs.reasoning_content).toBe(AGENT_REASONING);
      }
      if (route.wire === 'messages') expect(bodiesOf(route)[0]!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    },
  );

  test('→ openrouter (passthrough): OpenRouter’s own `reasoning` field reaches LangChain untouched, which reads only reasoning_content', async () => {
    const route = routeOf('chat', 'openrouter');
    route.fake().handler = scriptedModel(route, thinking(says(ANSWER)));
    const answer = await modelOf(route).invoke(ASK);

    expect(answer.text).toBe(ANSWER);
    expect(answer.additional_kwargs.reasoning_content).toBeUndefined();
    expect(asJson(JSON.parse(watched.answers[0]!.body)).choices).toEqual([
      expect.objectContaining({ message: expect.objectContaining({ reasoning: AGENT_REASONING }) }),
    ]);
  });

  // LangChain keeps the reasoning in additional_kwargs but does not send it back with the calling
  // turn (its chat completions converter drops it): a provider that wants it back (DeepSeek) cannot
  // have it from LangChain. To Anthropic the router then leaves thinking off after the call, as it
  // does for any client that sends no reasoning back (DESIGN section 10), and the loop ends.
  test.each(['local', 'anthropic'] as const)('→ %s, a tool loop: LangChain sends no reasoning back, and the loop still ends', async (provider) => {
    const route = routeOf('chat', provider);
    route.fake().handler = scriptedModel(route, thinking(callsWeatherThen(ANSWER)));
    const weather = weatherTool([]);
    const model = modelOf(route, { openai: { modelKwargs: { reasoning_effort: 'medium' } } }).bindTools!([weather]);
    const asking = await model.invoke(ASK);
    const final = await model.invoke([...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage]);

    expect(asking.additional_kwargs.reasoning_content).toBe(AGENT_REASONING);
    expect(final.text).toBe(ANSWER);
    const [first, answering] = bodiesOf(route);
    expect(JSON.stringify(turnsOf(route.wire, answering!))).not.toContain(AGENT_REASONING);
    if (route.wire === 'messages') {
      expect(first!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
      expect(answering!.thinking).toBeUndefined();
    } else {
      expect(answering!.reasoning_effort).toBe('medium');
    }
  });
});

describe('reasoning through LangChain’s ChatOpenAI on the Responses API', () => {
  /** The `reasoning` items of the answer's `response.completed` output, as LangChain keeps it. */
  const reasoningItemsOf = (answer: AIMessage | AIMessageChunk): Json[] =>
    asArray(answer.response_metadata.output)
      .map(asJson)
      .filter((item) => item.type === 'reasoning');

  test.each(['local', 'anthropic'] as const)(
    '→ %s: a reasoning item with the text as reasoning_text, invoked and streamed (LangChain’s own reasoning block reads summaries only)',
    async (provider) => {
      const route = routeOf('responses', provider);
      route.fake().handler = scriptedModel(route, thinking(says(ANSWER)));
      const model = modelOf(route, { openai: { modelKwargs: { reasoning: { effort: 'medium' } } } });
      const plain = await model.invoke(ASK);
      const { whole: streamed } = await streamToEnd(model, ASK);

      for (const answer of [plain, streamed]) {
        expect(answer.text).toBe(ANSWER);
        expect(reasoningItemsOf(answer)).toEqual([expect.objectContaining({ content: [{ type: 'reasoning_text', text: AGENT_REASONING }] })]);
      }
      expect(asArray(asJson(plain.additional_kwargs.reasoning).content)).toEqual([{ type: 'reasoning_text', text: AGENT_REASONING }]);
    },
  );

  test('→ local, a tool loop: the reasoning item LangChain replays becomes the calling turn’s reasoning_content', async () => {
    const route = routeOf('responses', 'local');
    route.fake().handler = scriptedModel(route, thinking(callsWeatherThen(ANSWER)));
    const weather = weatherTool([]);
    const model = modelOf(route).bindTools!([weather]);
    const asking = await model.invoke(ASK);
    const final = await model.invoke([...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage]);

    expect(final.text).toBe(ANSWER);
    const caller = turnsOf('chat', bodiesOf(route)[1]!).find((message) => message.tool_calls !== undefined);
    expect(caller?.reasoning_content).toBe(AGENT_REASONING);
  });

  test.each([
    [
      'with include: ["reasoning.encrypted_content"], the signed thinking goes back and thinking stays on',
      ['reasoning.encrypted_content'],
      ['thinking', 'tool_use'],
    ],
    ['without include, the thinking cannot be restored and is left off after the call (documented)', undefined, ['tool_use']],
  ] as const)('→ anthropic, a tool loop %s', async (_name, include, callerBlocks) => {
    const route = routeOf('responses', 'anthropic');
    route.fake().handler = scriptedModel(route, thinking(callsWeatherThen(ANSWER)));
    const weather = weatherTool([]);
    const responses = modelOf(route, { openai: { modelKwargs: { reasoning: { effort: 'medium' } } } }) as ChatOpenAI;
    const model = responses.bindTools([weather], include ? { include: [...include] } : {});
    const asking = await model.invoke(ASK);
    const final = await model.invoke([...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage]);

    expect(final.text).toBe(ANSWER);
    const [first, answering] = bodiesOf(route);
    expect(first!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    const caller = turnsOf('messages', answering!).find((message) => message.role === 'assistant');
    expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(callerBlocks);
    expect(answering!.thinking).toEqual(include ? { type: 'adaptive', display: 'summarized' } : undefined);
  });
});

describe('reasoning through LangChain’s ChatAnthropic (thinking)', () => {
  const THINKING = { maxTokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } } as const;

  test.each(['anthropic', 'local', 'openrouter'] as const)('→ %s: a thinking block before the text, invoked and streamed', async (provider) => {
    const route = routeOf('messages', provider);
    route.fake().handler = scriptedModel(route, thinking(says(ANSWER)));
    const model = modelOf(route, { anthropic: THINKING });
    const plain = await model.invoke(ASK);
    const { whole: streamed } = await streamToEnd(model, ASK);

    for (const answer of [plain, streamed]) {
      expect(answer.text).toBe(ANSWER);
      expect(asArray(answer.content).map((block) => [asJson(block).type, asJson(block).thinking])).toEqual([
        ['thinking', AGENT_REASONING],
        ['text', undefined],
      ]);
    }
    if (route.wire === 'chat') expect(bodiesOf(route)[0]!.reasoning).toEqual({ effort: 'medium' });
  });

  test.each([
    { provider: 'anthropic', what: 'the signed thinking block goes back as it came' },
    { provider: 'openrouter', what: 'the router’s signed thinking block goes back as the calling turn’s reasoning_content' },
  ] as const)('→ $provider, a tool loop: $what', async ({ provider }) => {
    const route = routeOf('messages', provider);
    route.fake().handler = scriptedModel(route, thinking(callsWeatherThen(ANSWER)));
    const weather = weatherTool([]);
    const model = modelOf(route, { anthropic: THINKING }).bindTools!([weather]);
    const asking = await model.invoke(ASK);
    const final = await model.invoke([...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage]);

    expect(final.text).toBe(ANSWER);
    const answering = bodiesOf(route)[1]!;
    if (route.wire === 'messages') {
      const caller = turnsOf('messages', answering).find((message) => message.role === 'assistant');
      expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(['thinking', 'tool_use']);
      expect(answering.thinking).toEqual(THINKING.thinking);
    } else {
      const caller = turnsOf('chat', answering).find((message) => message.tool_calls !== undefined);
      expect(caller?.reasoning_content).toBe(AGENT_REASONING);
    }
  });
});

// ---------------------------------------------------------------- usage details across dialects

/**
 * An upstream that says `ANSWER` and counts 120 input tokens, 100 of them read from its cache, and
 * 30 output tokens, 10 of them reasoning (Anthropic's usage has no reasoning count): in its own
 * wire format, streamed or not.
 */
function cachingUpstream(route: Route): FakeHandler {
  return (request, res) => {
    const body = request.body ?? {};
    if (route.wire === 'messages') {
      if (body.stream !== true) {
        sendJson(res, 200, anthropicMessage(String(body.model), [{ type: 'text', text: ANSWER }], 'end_turn', ANTHROPIC_CACHED_USAGE));
        return true;
      }
      const { output_tokens: output, ...start } = ANTHROPIC_CACHED_USAGE;
      sendFrames(
        res,
        anthropicStreamFrames({
          model: String(body.model),
          text: ANSWER,
          stopReason: 'end_turn',
          startUsage: { ...start, output_tokens: 1 },
          endUsage: { output_tokens: output },
        }),
      );
      return true;
    }
    const identity = { id: 'chatcmpl-cached', created: 1795781041, model: String(body.model) };
    if (body.stream !== true) sendJson(res, 200, { ...chatCompletion({ role: 'assistant', content: ANSWER }, 'stop'), usage: CHAT_CACHED_USAGE });
    else
      sendFrames(res, [
        chatChunkFrame(identity, { role: 'assistant', content: ANSWER }),
        chatChunkFrame(identity, {}, 'stop'),
        chatUsageFrame(identity, CHAT_CACHED_USAGE),
        DONE_FRAME,
      ]);
    return true;
  };
}
const ANTHROPIC_CACHED_USAGE = { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 30 };
const CHAT_CACHED_USAGE = {
  prompt_tokens: 120,
  completion_tokens: 30,
  total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 100 },
  completion_tokens_details: { reasoning_tokens: 10 },
};

describe.each(ROUTES.filter((route) => route.client !== route.wire && route.wire !== 'responses'))(
  'usage details LangChain reads on $name',
  (route) => {
    test.each([false, true])('the cached input and the reasoning tokens, as the upstream counted them, streamed: %s', async (stream) => {
      route.fake().handler = cachingUpstream(route);
      const answer = await answerOf(modelOf(route), ASK, stream);

      expect(answer.text).toBe(ANSWER);
      // ChatAnthropic streamed reads the input count from message_start only (see streamedUsageOf).
      const input = route.client === 'messages' && stream ? 0 : 120;
      expect(answer.usage_metadata).toMatchObject({ input_tokens: input, output_tokens: 30, total_tokens: input + 30 });
      if (!(route.client === 'messages' && stream)) expect(answer.usage_metadata?.input_token_details?.cache_read).toBe(100);
      if (route.client === 'responses' && route.wire === 'chat') expect(answer.usage_metadata?.output_token_details?.reasoning).toBe(10);
    });
  },
);

// ---------------------------------------------------------------- text and a tool call in one turn

const PREAMBLE = 'Let me look that up.';

/** A model that says `PREAMBLE` and calls the weather tool in the same turn, then answers: in its upstream's wire format. */
function talksThenCalls(route: Route): FakeHandler {
  const answering = scriptedModel(route, says(ANSWER));
  return (request, res, req) => {
    const body = request.body ?? {};
    const model = String(body.model);
    if (endsWithToolOutput(route.wire, body)) return answering(request, res, req);
    const usage = { input_tokens: 120, output_tokens: 12 };
    if (route.wire === 'messages') {
      const call = { id: 'toolu_talk_1', name: 'get_weather', args: CITY_ARGUMENTS };
      if (body.stream === true) {
        sendFrames(
          res,
          anthropicStreamFrames({ model, text: PREAMBLE, calls: [call], stopReason: 'tool_use', startUsage: usage, endUsage: usage }, halvesOf),
        );
      } else {
        const content = [
          { type: 'text', text: PREAMBLE },
          { type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(CITY_ARGUMENTS) as Json },
        ];
        sendJson(res, 200, anthropicMessage(model, content, 'tool_use', usage));
      }
      return true;
    }
    const call = { id: 'call_talk_1', type: 'function', function: { name: 'get_weather', arguments: CITY_ARGUMENTS } };
    const chatUsage = { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 };
    if (body.stream !== true) {
      sendJson(res, 200, { ...chatCompletion({ role: 'assistant', content: PREAMBLE, tool_calls: [call] }, 'tool_calls'), usage: chatUsage });
      return true;
    }
    const identity = { id: 'chatcmpl-talk', created: 1795781041, model };
    sendFrames(res, [
      chatChunkFrame(identity, { role: 'assistant', content: '' }),
      ...halvesOf(PREAMBLE).map((piece) => chatChunkFrame(identity, { content: piece })),
      chatChunkFrame(identity, { tool_calls: [{ index: 0, ...call, function: { name: 'get_weather', arguments: '' } }] }),
      ...halvesOf(CITY_ARGUMENTS).map((piece) => chatChunkFrame(identity, { tool_calls: [{ index: 0, function: { arguments: piece } }] })),
      chatChunkFrame(identity, {}, 'tool_calls'),
      chatUsageFrame(identity, chatUsage),
      DONE_FRAME,
    ]);
    return true;
  };
}
const halvesOf = (text: string): string[] => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];

describe.each(ROUTES.filter((route) => route.wire !== 'responses'))('text and a tool call in one turn on $name', (route) => {
  test.each([false, true])('LangChain gets both, the text apart from the call’s arguments, and the loop ends, streamed: %s', async (stream) => {
    route.fake().handler = talksThenCalls(route);
    const calls: string[] = [];
    const weather = weatherTool(calls);
    const model = modelOf(route).bindTools!([weather]);
    const asking = await answerOf(model, ASK, stream);

    expect(asking.text).toBe(PREAMBLE);
    expect(asking.tool_calls).toEqual([{ type: 'tool_call', id: expect.any(String), name: 'get_weather', args: { city: 'Paris' } }]);
    const final = await answerOf(model, [...ASK, asking, (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage], stream);

    expect(final.text).toBe(ANSWER);
    expect(calls).toEqual(['Paris']);
    const body = bodiesOf(route)[1]!;
    const caller = JSON.stringify(turnsOf(route.wire, body).filter((turn) => turn.role === 'assistant'));
    expect(caller).toContain(PREAMBLE);
    const { calls: sentCalls, outputs } = callsAndOutputsOf(route.wire, body);
    expect(outputs).toEqual([{ id: sentCalls[0]!.id, output: forecastOf('Paris') }]);
  });
});

// ---------------------------------------------------------------- a conversation moved to another provider

// What `model.withFallbacks([...])`, or an app that lets its user switch models, does: the messages
// one route answered go on to another. The fakes refuse what their APIs would: Anthropic a thinking
// signature it did not issue, OpenAI a reasoning item id it never issued (the router's own).
describe('a LangChain conversation moved to another provider', () => {
  test('ChatAnthropic, from openrouter/... (the router’s signed thinking) to anthropic/...: Anthropic gets none of the router’s signatures, and answers', async () => {
    const from = routeOf('messages', 'openrouter');
    const to = routeOf('messages', 'anthropic');
    from.fake().handler = scriptedModel(from, thinking(callsWeatherThen(ANSWER)));
    to.fake().handler = scriptedModel(to, thinking(says('Tomorrow too.')));
    const weather = weatherTool([]);
    const THINKING = { maxTokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } } as const;
    const asking = await modelOf(from, { anthropic: THINKING }).bindTools!([weather]).invoke(ASK);
    const output = (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage;
    expect(JSON.stringify(asking.content)).toContain('epr1.');
    const moved = await modelOf(to, { anthropic: THINKING }).bindTools!([weather]).invoke([...ASK, asking, output]);

    expect(moved.text).toBe('Tomorrow too.');
    const [body] = bodiesOf(to);
    expect(JSON.stringify(body!.messages)).not.toContain('epr1.');
    expect(callsAndOutputsOf('messages', body!).outputs).toEqual([{ id: expect.any(String), output: forecastOf('Paris') }]);
  });

  test('ChatOpenAI on the Responses API, from local/... (the router’s reasoning item) to openai/...: OpenAI gets no item of the router’s, and answers', async () => {
    const from = routeOf('responses', 'local');
    const to = routeOf('responses', 'openai');
    from.fake().handler = scriptedModel(from, thinking(callsWeatherThen(ANSWER)));
    const issued = new Set(
      [responsesObject({ type: 'text' }), responsesObject({ type: 'function_call' })].flatMap((response) =>
        asArray(response.output).map((item) => asJson(item).id),
      ),
    );
    to.fake().handler = scriptedModel(to, says('Tomorrow too.'), (body) => {
      const unknown = asArray(body.input)
        .map(asJson)
        .find((item) => item.type === 'reasoning' && !item.encrypted_content && !issued.has(item.id));
      return unknown === undefined ? undefined : { status: 404, message: `Item with id '${String(unknown.id)}' not found.`, param: 'input' };
    });
    const weather = weatherTool([]);
    const asking = await modelOf(from).bindTools!([weather]).invoke(ASK);
    const output = (await weather.invoke(asking.tool_calls![0]!)) as ToolMessage;
    expect(JSON.stringify(asking.response_metadata.output)).toContain(AGENT_REASONING);
    const moved = await modelOf(to).bindTools!([weather]).invoke([...ASK, asking, output]);

    expect(moved.text).toBe('Tomorrow too.');
    const input = asArray(bodiesOf(to)[0]!.input).map(asJson);
    expect(input.filter((item) => item.type === 'reasoning')).toEqual([]);
    expect(callsAndOutputsOf('responses', bodiesOf(to)[0]!).outputs).toEqual([{ id: expect.any(String), output: forecastOf('Paris') }]);
  });
});

// ---------------------------------------------------------------- a full context window

/** What each provider says to a prompt longer than its model's context window, as its API writes it. */
const CONTEXT_FULL: Record<Exclude<ProviderId, 'anthropic'>, Json> = {
  openai: {
    error: {
      message:
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  },
  openrouter: {
    error: { message: "This endpoint's maximum context length is 40960 tokens. However, you requested about 52000 tokens.", code: 400 },
  },
  local: {
    error: {
      code: 400,
      message: 'the request exceeds the available context size, try increasing it',
      type: 'exceed_context_size_error',
      n_prompt_tokens: 5000,
      n_ctx: 4096,
    },
  },
};

// DESIGN section 8: the provider's 400 reaches a Messages client with the provider's message. Where
// the provider gives the figures (OpenAI's words, llama-server's n_prompt_tokens and n_ctx), the
// router adds Anthropic's words for them ("prompt is too long: N tokens > L maximum"), and
// ChatAnthropic, which reads those words only, throws its ContextOverflowError; without figures
// (OpenRouter's "about 52000 tokens") the provider's message alone comes, as a plain BadRequestError.
describe.each(ROUTES.filter((route) => route.client === 'messages' && route.provider !== 'anthropic'))('a full context window on $name', (route) => {
  const figures = route.provider !== 'openrouter';
  test(`ChatAnthropic throws ${figures ? 'its ContextOverflowError' : 'a BadRequestError'} with the provider’s own message, status 400`, async () => {
    const body = CONTEXT_FULL[route.provider as Exclude<ProviderId, 'anthropic'>];
    route.fake().handler = (_request, res) => {
      sendJson(res, 400, body);
      return true;
    };
    const error = await modelOf(route)
      .invoke(ASK)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    if (figures) expect(error).toBeInstanceOf(ContextOverflowError);
    else expect(error).not.toBeInstanceOf(ContextOverflowError);
    expect((error as Error).message).toContain(String(asJson(body.error).message));
  });
});

// ChatOpenAI tells a full context by OpenAI's words only ("maximum context length", and
// `context_length_exceeded` in the error's text, which the OpenAI SDK leaves out of it): Anthropic's
// and llama-server's words come as a plain BadRequestError, whatever the router's `code` says.
describe.each([routeOf('chat', 'anthropic'), routeOf('responses', 'anthropic')])('a full context window on $name', (route) => {
  test('ChatOpenAI throws a BadRequestError with Anthropic’s message (LangChain reads OpenAI’s words only)', async () => {
    const message = 'prompt is too long: 210000 tokens > 200000 maximum';
    route.fake().handler = (_request, res) => {
      sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_full' });
      return true;
    };
    const error = await modelOf(route)
      .invoke(ASK)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    expect(error).not.toBeInstanceOf(ContextOverflowError);
    expect(asJson(error).status).toBe(400);
    expect((error as Error).message).toContain(message);
  });
});

// ---------------------------------------------------------------- the Responses API stays stateless (DESIGN section 11)

describe('LangChain’s ChatOpenAI on the Responses API, stateless by default', () => {
  test.each(ROUTES.filter((route) => route.client === 'responses'))(
    '$name: no store, previous_response_id or item_reference in what LangChain sends, a second turn included',
    async (route) => {
      route.fake().handler = scriptedModel(route, says(ANSWER));
      const model = modelOf(route);
      const first = await model.invoke(ASK);
      await model.invoke([...ASK, first, new HumanMessage('And tomorrow?')]);

      expect(sent).toHaveLength(2);
      for (const { body } of sent) {
        expect([body.store, body.previous_response_id, body.conversation]).toEqual([undefined, undefined, undefined]);
        expect(JSON.stringify(body.input)).not.toContain('item_reference');
      }
    },
  );

  test.each(['local', 'anthropic'] as const)(
    '→ %s: previous_response_id given as a call option is a 400 naming it, nothing sent upstream',
    async (provider) => {
      const route = routeOf('responses', provider);
      const error = await modelOf(route)
        .invoke(ASK, { previous_response_id: 'resp_earlier' } as Parameters<ChatOpenAI['invoke']>[1])
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );

      expect(asJson(error).status).toBe(400);
      expect((error as Error).message).toContain('previous_response_id');
      expect(route.fake().requests).toHaveLength(0);
    },
  );
});
