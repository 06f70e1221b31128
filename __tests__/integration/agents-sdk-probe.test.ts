/**
 * Acceptance probe of the Responses dialect (DESIGN.md section 11, with section 10 for reasoning)
 * through the OpenAI Agents SDK (`@openai/agents`), which speaks the Responses API by default, as
 * a real client of a host: `run(agent, ...)` on each route kind, `openai/...` (native passthrough to
 * OpenAI's `/responses`), `local/...` (bridged through chat completions to llama-server) and
 * `anthropic/...` (translated to Messages). Each fake plays the model in its provider's own wire
 * format, with that API's checks. The probes run text prompts streamed and not, a function tool
 * (zod parameters) whose call round-trips, `outputType` (a zod schema), a second run given the
 * first one's `history`, `modelSettings`, reasoning in a tool loop, a handoff from a bridged or
 * translated agent to one on `openai/...` (the SDK leaves `store` unset: OpenAI's fake, as OpenAI,
 * refuses a reasoning item it never issued), the stateful options the stateless routes refuse, and
 * upstream errors; each checks what the upstream received against what the agent sent, and that
 * no token or key crosses to the other side.
 *
 * What Agents SDK users have to know, as the probes show it (docs/codex.md says it too):
 * the SDK sends `include: []`, so a reasoning item comes back without `encrypted_content` and
 * Anthropic's signed thinking cannot be restored in a tool loop: thinking is left off for the
 * request after a call (DESIGN section 10) unless `modelSettings.providerData.include` asks for
 * `reasoning.encrypted_content`; and a streamed failure reaches the SDK as a `ModelBehaviorError`
 * naming `response.failed`, the provider's message being in that raw event's `response.error`.
 */
import OpenAI from 'openai';
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool, type AgentInputItem, type ModelSettings } from '@openai/agents';
import { z } from 'zod';
import { agentFor, THINK_MARK, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT, type AgentTurn } from '../support/agent-upstreams';
import { type FakeHandler } from '../support/fake-server';
import type { FakeUpstream } from '../support/fake-upstream';
import { asArray, asJson, type Json } from '../support/json-shape';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { dialectOf, inStreamErrorFrames, refuseWith } from '../support/misbehaving-upstreams';
import { responsesFrames, responsesObject } from '../support/responses-wire';
import { sendFrames } from '../support/upstream-answers';
import { bodiesOf, callsToolThen, says, scriptedModel } from '../support/scripted-model';
import { useFakes } from '../support/use-fakes';
import { callsAndOutputsOf, effortOf, maxTokensOf, outputSchemaOf, systemOf, toolsOf, turnsOf, type Wire } from '../support/upstream-request';
import { useWatchedHost } from '../support/use-host';

const fakes = useFakes();
const watched = useWatchedHost(fakes);
const { host } = watched;

beforeAll(() => {
  // No traces to OpenAI from a test; the SDK's own client pointed at the host, with the host's token.
  setTracingDisabled(true);
  setDefaultOpenAIClient(new OpenAI({ baseURL: `${host.url}/v1`, apiKey: CLIENT_TOKEN, maxRetries: 0 }));
});

interface Route {
  name: string;
  model: string;
  fake: () => FakeUpstream;
  /** How the route's upstream is spoken to. */
  wire: Wire;
}

const ROUTES: readonly Route[] = [
  { name: 'openai (native passthrough)', model: 'openai/gpt-5.5', fake: () => fakes.openai, wire: 'responses' },
  { name: 'local (bridged through chat completions)', model: 'local/qwen3', fake: () => fakes.local, wire: 'chat' },
  { name: 'anthropic (translated to Messages)', model: 'anthropic/claude-sonnet-5-5', fake: () => fakes.anthropic, wire: 'messages' },
];
const STATELESS = ROUTES.filter((route) => route.wire !== 'responses');

const INSTRUCTIONS = 'You are a terse weather assistant.';
const PROMPT = 'Weather in Paris?';
const ANSWER = 'It is sunny in Paris.';
const CITY_ARGUMENTS = JSON.stringify({ city: 'Paris' });
/** What the weather tool prints for a city. */
const forecastOf = (city: string): string => `Sunny, 21 C in ${city}`;

/** The weather tool, recording the arguments of each run. */
function weatherTool(calls: string[]) {
  return tool({
    name: 'get_weather',
    description: 'The weather of a city.',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => {
      calls.push(city);
      return forecastOf(city);
    },
  });
}

const FORECAST = z.object({ city: z.string(), sky: z.enum(['sunny', 'cloudy']), celsius: z.number() });
const FORECAST_VALUE = { city: 'Paris', sky: 'sunny', celsius: 21 };

/** `toolChoice: 'required'` with `parallelToolCalls: false`, in the upstream's words. */
const REQUIRED_CHOICE: Record<Wire, unknown> = {
  responses: 'required',
  chat: 'required',
  messages: { type: 'any', disable_parallel_tool_use: true },
};

/** The credentials each upstream got: the provider's key (llama-server takes none), never the client's token. */
const UPSTREAM_AUTH: Record<Wire, Record<string, string | undefined>> = {
  responses: { authorization: `Bearer ${KEYS.openai}`, 'x-api-key': undefined },
  chat: { authorization: undefined, 'x-api-key': undefined },
  messages: { authorization: undefined, 'x-api-key': KEYS.anthropic },
};

// ---------------------------------------------------------------- the model, scripted per wire

/** The ids of the reasoning items the fake OpenAI answers with (its recorded answers'). */
const ISSUED_REASONING_IDS = new Set(
  [responsesObject({ type: 'text' }), responsesObject({ type: 'function_call' })]
    .flatMap((response) => asArray(response.output).map(asJson))
    .filter((item) => item.type === 'reasoning')
    .map((item) => item.id),
);

/**
 * The id of a reasoning item OpenAI would look up and not find: one sent without
 * `encrypted_content` that it never issued (the SDK leaves `store` unset, OpenAI's default being
 * `true`, so OpenAI reads the item by its id).
 */
function unissuedReasoningId(body: Json): string | undefined {
  const item = asArray(body.input)
    .map(asJson)
    .find((entry) => entry.type === 'reasoning' && !entry.encrypted_content && !ISSUED_REASONING_IDS.has(entry.id));
  return item === undefined ? undefined : String(item.id);
}

/** The fake model of `route`: OpenAI refuses a reasoning item it never issued, as its API does. */
const scripted = (route: Route, turn: (afterTool: boolean) => AgentTurn): FakeHandler =>
  scriptedModel(route, turn, (body) => {
    const unknown = unissuedReasoningId(body);
    return unknown === undefined ? undefined : { status: 404, message: `Item with id '${unknown}' not found.`, param: 'input' };
  });
const callsWeatherThen = (text: string) => callsToolThen('get_weather', CITY_ARGUMENTS, text);

/** An agent `run` takes, whatever its output type. */
type RunnableAgent = Parameters<typeof run>[0];

/** Runs `agent` on `input`, streamed or not, to its end, and returns the result with the streamed text. */
async function runToEnd(agent: RunnableAgent, input: string | AgentInputItem[], stream: boolean) {
  if (!stream) return { result: await run(agent, input), streamedText: undefined };
  const result = await run(agent, input, { stream: true });
  let streamedText = '';
  for await (const piece of result.toTextStream()) streamedText += piece;
  await result.completed;
  return { result, streamedText };
}

describe.each(ROUTES)('the Agents SDK on $name', (route) => {
  test('a text prompt: the same finalOutput streamed and not, with the instructions and the prompt upstream', async () => {
    route.fake().handler = scripted(route, says(ANSWER));
    const agent = new Agent({ name: 'weather', instructions: INSTRUCTIONS, model: route.model });
    const plain = await runToEnd(agent, PROMPT, false);
    const streamed = await runToEnd(agent, PROMPT, true);

    expect(plain.result.finalOutput).toBe(ANSWER);
    expect(streamed.result.finalOutput).toBe(ANSWER);
    expect(streamed.streamedText).toBe(ANSWER);
    const [first, second] = bodiesOf(route);
    expect([first!.stream ?? false, second!.stream]).toEqual([false, true]);
    for (const body of [first!, second!]) {
      expect(systemOf(route.wire, body)).toBe(INSTRUCTIONS);
      expect(JSON.stringify(turnsOf(route.wire, body))).toContain(PROMPT);
    }
    expect(plain.result.rawResponses[0]!.usage.outputTokens).toBeGreaterThan(0);
    expect(streamed.result.rawResponses[0]!.usage).toEqual(plain.result.rawResponses[0]!.usage);
    for (const request of route.fake().requests) {
      const { authorization, 'x-api-key': apiKey } = request.headers;
      expect({ authorization, 'x-api-key': apiKey }).toEqual(UPSTREAM_AUTH[route.wire]);
    }
    watched.expectNoSecretsCrossed([plain.result.history, streamed.result.history, plain.result.rawResponses]);
  });

  test.each([false, true])('a function tool (zod parameters) round-trips, streamed: %s', async (stream) => {
    route.fake().handler = scripted(route, callsWeatherThen(ANSWER));
    const calls: string[] = [];
    const agent = new Agent({ name: 'weather', instructions: INSTRUCTIONS, model: route.model, tools: [weatherTool(calls)] });
    const { result } = await runToEnd(agent, PROMPT, stream);

    expect(calls).toEqual(['Paris']);
    expect(result.finalOutput).toBe(ANSWER);
    const [asking, answering] = bodiesOf(route);
    expect(bodiesOf(route)).toHaveLength(2);
    for (const body of [asking!, answering!]) {
      expect(systemOf(route.wire, body)).toBe(INSTRUCTIONS);
      expect(toolsOf(route.wire, body)).toEqual([
        { name: 'get_weather', schema: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) },
      ]);
    }
    // The tool's output goes back paired with the call by its id, as the model made it.
    const { calls: sentCalls, outputs } = callsAndOutputsOf(route.wire, answering!);
    expect(sentCalls).toEqual([{ id: expect.any(String), name: 'get_weather' }]);
    expect(outputs).toEqual([{ id: sentCalls[0]!.id, output: forecastOf('Paris') }]);
    const call = result.history.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', arguments: CITY_ARGUMENTS });
    watched.expectNoSecretsCrossed([result.history]);
  });

  test.each([false, true])('outputType (a zod schema) asks for that JSON schema and parses the answer, streamed: %s', async (stream) => {
    route.fake().handler = scripted(route, says(JSON.stringify(FORECAST_VALUE)));
    const agent = new Agent({ name: 'weather', instructions: INSTRUCTIONS, model: route.model, outputType: FORECAST });
    const { result } = await runToEnd(agent, PROMPT, stream);

    expect(result.finalOutput).toEqual(FORECAST_VALUE);
    const schema = asJson(outputSchemaOf(route.wire, bodiesOf(route)[0]!));
    expect(schema).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, sky: { type: 'string', enum: ['sunny', 'cloudy'] }, celsius: { type: 'number' } },
      required: ['city', 'sky', 'celsius'],
      additionalProperties: false,
    });
  });

  test('a second run given the first run’s history sends the whole conversation, tool call and output paired', async () => {
    route.fake().handler = scripted(route, callsWeatherThen(ANSWER));
    const calls: string[] = [];
    const agent = new Agent({ name: 'weather', instructions: INSTRUCTIONS, model: route.model, tools: [weatherTool(calls)] });
    const first = await run(agent, PROMPT);
    route.fake().reset();
    route.fake().handler = scripted(route, says('Tomorrow too.'));
    const second = await runToEnd(agent, [...first.history, { role: 'user', content: 'And tomorrow?' }], true);

    expect(second.result.finalOutput).toBe('Tomorrow too.');
    const [body] = bodiesOf(route);
    expect(bodiesOf(route)).toHaveLength(1);
    const text = JSON.stringify(turnsOf(route.wire, body!));
    expect(text.indexOf(PROMPT)).toBeLessThan(text.indexOf(ANSWER));
    expect(text.indexOf(ANSWER)).toBeLessThan(text.indexOf('And tomorrow?'));
    const { calls: sentCalls, outputs } = callsAndOutputsOf(route.wire, body!);
    expect(sentCalls).toEqual([{ id: expect.any(String), name: 'get_weather' }]);
    expect(outputs).toEqual([{ id: sentCalls[0]!.id, output: forecastOf('Paris') }]);
    expect(systemOf(route.wire, body!)).toBe(INSTRUCTIONS);
    watched.expectNoSecretsCrossed([first.history, second.result.history]);
  });

  test('modelSettings: temperature, maxTokens and toolChoice "required" reach the upstream', async () => {
    route.fake().handler = scripted(route, callsWeatherThen(ANSWER));
    const settings: ModelSettings = { temperature: 0.3, maxTokens: 321, toolChoice: 'required', parallelToolCalls: false };
    const agent = new Agent({ name: 'weather', model: route.model, tools: [weatherTool([])], modelSettings: settings });
    const { result } = await runToEnd(agent, PROMPT, true);

    expect(result.finalOutput).toBe(ANSWER);
    const [forced] = bodiesOf(route);
    expect(forced!.temperature).toBe(0.3);
    expect(maxTokensOf(route.wire, forced!)).toBe(321);
    expect(forced!.tool_choice).toEqual(REQUIRED_CHOICE[route.wire]);
    if (route.wire !== 'messages') expect(forced!.parallel_tool_calls).toBe(false);
  });

  test.each([false, true])('modelSettings.reasoning.effort reaches the upstream in its words, streamed: %s', async (stream) => {
    route.fake().handler = scripted(route, says(ANSWER));
    const agent = new Agent({ name: 'weather', model: route.model, modelSettings: { reasoning: { effort: 'high' }, maxTokens: 20000 } });
    const { result } = await runToEnd(agent, PROMPT, stream);

    expect(result.finalOutput).toBe(ANSWER);
    const [body] = bodiesOf(route);
    expect(effortOf(route.wire, body!)).toBe('high');
    if (route.wire === 'messages') expect(body!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
  });

  test('a 429 before the answer is thrown with its status and the provider’s message, streamed and not', async () => {
    const message = 'Rate limit reached for gpt-5.5 on tokens per min (fake).';
    route.fake().handler = refuseWith(route.fake(), {
      status: 429,
      message,
      type: route.wire === 'messages' ? 'rate_limit_error' : 'rate_limit_exceeded',
    });
    const agent = new Agent({ name: 'weather', model: route.model });
    for (const stream of [false, true]) {
      const error = await runToEnd(agent, PROMPT, stream).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
      expect((error as Error).message).toContain(message);
      watched.expectNoSecretsCrossed([String(error), JSON.stringify(error)]);
    }
  });

  test('a failure mid-stream is thrown, the provider’s message in the raw response.failed event', async () => {
    const fake = route.fake();
    const message = route.wire === 'responses' ? 'The model produced invalid content.' : 'Upstream overloaded midway (fake).';
    fake.handler = (_request, res) =>
      sendFrames(res, route.wire === 'responses' ? responsesFrames({ type: 'failed' }) : inStreamErrorFrames(dialectOf(fake), message, 'alone'));
    const result = await run(new Agent({ name: 'weather', model: route.model }), PROMPT, { stream: true });
    const raw: Json[] = [];
    const error = await (async () => {
      for await (const event of result) if (event.type === 'raw_model_stream_event') raw.push(asJson(event.data));
      await result.completed;
    })().then(
      () => result.error,
      (thrown: unknown) => thrown,
    );

    expect(String(error)).toContain('response.failed');
    const failed = raw.map((data) => asJson(data.event)).find((event) => event.type === 'response.failed');
    expect(asJson(asJson(failed?.response).error)).toMatchObject({ message });
    watched.expectNoSecretsCrossed([raw]);
  });
});

describe('reasoning through the Agents SDK in a tool loop (DESIGN section 10)', () => {
  const shell = tool({
    name: 'exec_command',
    description: 'Runs a shell command.',
    parameters: z.object({ cmd: z.string() }),
    execute: ({ cmd }) => (cmd === TOOL_COMMAND ? TOOL_OUTPUT : 'unknown command'),
  });
  const prompt = `${TOOL_PROMPT} ${THINK_MARK}`;
  const reasoningAgent = (route: Route, settings: ModelSettings): Agent =>
    new Agent({ name: 'shell', model: route.model, tools: [shell], modelSettings: { reasoning: { effort: 'medium' }, ...settings } });
  const runLoop = async (route: Route, settings: ModelSettings): Promise<Json[]> => {
    route.fake().handler = agentFor(route.fake());
    const { result } = await runToEnd(reasoningAgent(route, settings), prompt, true);
    expect(result.finalOutput).toBe(`Tool output received: ${TOOL_OUTPUT}`);
    expect(result.history.filter((item) => item.type === 'reasoning').length).toBeGreaterThan(0);
    return bodiesOf(route);
  };
  const anthropic = ROUTES.find((route) => route.wire === 'messages')!;
  const local = ROUTES.find((route) => route.wire === 'chat')!;

  test('local: the reasoning item the SDK sends back becomes the calling turn’s reasoning_content', async () => {
    const [, answering] = await runLoop(local, {});
    const caller = turnsOf('chat', answering!).find((message) => message.tool_calls !== undefined);
    expect(caller?.reasoning_content).toBe('The user wants a short answer; I will keep it brief.');
    expect(answering!.reasoning_effort).toBe('medium');
  });

  test('anthropic with include: ["reasoning.encrypted_content"]: the signed thinking is restored and thinking stays on', async () => {
    const [, answering] = await runLoop(anthropic, { providerData: { include: ['reasoning.encrypted_content'] } });
    const caller = turnsOf('messages', answering!).find((message) => message.role === 'assistant');
    expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(['thinking', 'tool_use']);
    expect(answering!.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    expect(effortOf('messages', answering!)).toBe('medium');
  });

  test('anthropic with the SDK’s default include: [] the thinking cannot be restored, and is left off after the call (documented)', async () => {
    const [asking, answering] = await runLoop(anthropic, {});
    expect(asking!.thinking).toBeDefined();
    const caller = turnsOf('messages', answering!).find((message) => message.role === 'assistant');
    expect(asArray(caller?.content).map((block) => asJson(block).type)).toEqual(['tool_use']);
    expect(answering!.thinking).toBeUndefined();
  });
});

describe.each(STATELESS)('a handoff from $name to an agent on openai/...', (route) => {
  test.each([false, true])('the router’s reasoning items are left out for OpenAI, which would look their ids up, streamed: %s', async (stream) => {
    const openai = ROUTES.find((other) => other.wire === 'responses')!;
    const thought = 'The user wants the weather; the specialist knows it.';
    route.fake().handler = scripted(route, () => ({
      kind: 'call',
      calls: [{ name: 'transfer_to_forecaster', arguments: '{}' }],
      reasoning: thought,
    }));
    openai.fake().handler = scripted(openai, says(ANSWER));
    const forecaster = new Agent({ name: 'forecaster', handoffDescription: 'Knows the weather.', model: openai.model });
    const triage = new Agent({
      name: 'triage',
      model: route.model,
      handoffs: [forecaster],
      modelSettings: { reasoning: { effort: 'low' } },
    });
    const { result } = await runToEnd(triage, `${PROMPT} ${THINK_MARK}`, stream);

    expect(result.finalOutput).toBe(ANSWER);
    expect(result.lastAgent?.name).toBe('forecaster');
    // The triage agent's reasoning is in the history the SDK hands over, as the router answered it.
    expect(JSON.stringify(result.history.find((item) => item.type === 'reasoning'))).toContain(thought);
    const [body] = bodiesOf(openai);
    const input = asArray(body!.input).map(asJson);
    expect(input.filter((item) => item.type === 'reasoning')).toEqual([]);
    // The rest of the conversation goes on: the prompt, the handoff's call and its output.
    expect(input.map((item) => item.type ?? item.role)).toEqual(['user', 'function_call', 'function_call_output']);
    watched.expectNoSecretsCrossed([result.history]);
  });
});

describe.each(STATELESS)('stateful options on $name, refused as DESIGN section 11 says', (route) => {
  test.each([
    ['previousResponseId', { previousResponseId: 'resp_earlier' }, 'previous_response_id'],
    ['conversationId', { conversationId: 'conv_earlier' }, 'conversation'],
  ] as const)('%s: a 400 naming the field, nothing sent upstream', async (_name, options, field) => {
    const error = await run(new Agent({ name: 'weather', model: route.model }), PROMPT, options).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain(field);
    expect(route.fake().requests).toHaveLength(0);
  });
});
