/**
 * One conversation, written in each client dialect the router serves (chat completions, Anthropic
 * Messages, the Responses API), reaches a provider the same way: the upstream bodies the fakes
 * recorded are compared field by field, after normalising only what DESIGN.md says differs (each
 * normalisation names its sentence). Seeded generated conversations (`REQ_DIFF_SEED` replays one)
 * and hand-written ones; a failure names its seed, case and route. Fields one dialect must refuse
 * are refused there with a 400 naming them, and nothing reaches an upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { DATA_URL, generated, HTTP_URL, TOOLS, type ClientDialect, type Conversation, type Effort, type Json } from '../support/dialect-conversation';
import { ANTHROPIC_MAX_TOKENS, asMessages, BUDGETS, WRITERS } from '../support/dialect-writers';
import { random } from '../support/seeded-random';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';

const SEED = Number(process.env.REQ_DIFF_SEED ?? 20261129);
const GENERATED_CASES = 60;

// ---------------------------------------------------------------------------------------------
// The host and its fakes

let openaiFake: FakeUpstream, anthropicFake: FakeUpstream, localFake: FakeUpstream, groqFake: FakeUpstream;
/** `budgetHost`: the same router and fakes with `ANTHROPIC_THINKING=budget`. */
let host: Host, budgetHost: Host;
const fakes = (): FakeUpstream[] => [openaiFake, anthropicFake, localFake, groqFake];

beforeAll(async () => {
  [openaiFake, anthropicFake, localFake, groqFake] = await startFakeUpstreams('openai', 'anthropic', 'local', 'local');
  host = await startHost({
    env: {
      ...envFor({ openai: openaiFake, anthropic: anthropicFake, local: localFake }),
      // Bridged through chat completions, so that all three dialects reach OpenAI's chat API (section 11).
      OPENAI_RESPONSES: 'chat',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groqFake.baseUrl,
      GROQ_API_KEY: 'gsk-differential-0123456789',
      ANTHROPIC_MAX_TOKENS: String(ANTHROPIC_MAX_TOKENS),
    },
  });
  budgetHost = await startHost({
    env: { ...envFor({ anthropic: anthropicFake }), ANTHROPIC_MAX_TOKENS: String(ANTHROPIC_MAX_TOKENS), ANTHROPIC_THINKING: 'budget' },
  });
});
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await budgetHost.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

const openai = (via: Host): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${via.url}/v1`, maxRetries: 0 });
const claude = (via: Host): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: via.url, maxRetries: 0 });

/** Sends `body` in `dialect` with its SDK, reads the whole answer (streamed or not), and returns the only upstream request's body. */
async function sendThrough(dialect: ClientDialect, body: Json, fake: FakeUpstream, via: Host = host): Promise<{ path: string; body: Json }> {
  fakes().forEach((each) => each.reset());
  let answer: unknown;
  if (dialect === 'chat') answer = await openai(via).chat.completions.create(body as never);
  else if (dialect === 'messages') answer = await claude(via).messages.create(body as never);
  else answer = await openai(via).responses.create(body as never);
  if (body.stream === true) for await (const _event of answer as AsyncIterable<unknown>) void _event;
  const received = fakes().flatMap((each) => each.requests);
  expect(received).toHaveLength(1);
  expect(fake.requests).toHaveLength(1);
  return { path: fake.requests[0]!.url.split('?')[0]!, body: fake.requests[0]!.body! };
}

// ---------------------------------------------------------------------------------------------
// Normalisation: what DESIGN.md says legitimately differs

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const EFFORT_OF_BUDGET = (budget: number): string =>
  budget >= 16384 ? 'max' : budget >= 8192 ? 'xhigh' : budget >= 4096 ? 'high' : budget >= 2048 ? 'medium' : budget >= 1024 ? 'low' : 'minimal';

/** A chat completions upstream body, reduced to what the conversation asked for. */
function normalChat(body: Json, from: ClientDialect, c: Conversation, provider: string): Json {
  const out = clone(body);
  // Section 8: translated "streams ask for `stream_options.include_usage`"; section 9:
  // "`requestStreamUsage: false` applies to every route": usage in streams is the router's to ask.
  delete out.stream_options;
  // Section 8: `metadata.user_id` "goes on as `user` only as its SHA-256 hex digest".
  if (from === 'messages' && c.user !== undefined) {
    expect(out.user).toBe(sha256(c.user));
    out.user = c.user;
  }
  // Section 11: "`user` / `safety_identifier` as the chat `user`" (Messages' too, section 8);
  // chat passthrough sends the client's own field.
  if (from === 'chat' && out.safety_identifier !== undefined) {
    out.user = out.safety_identifier;
    delete out.safety_identifier;
  }
  // Section 9: "the `openai` adapter sends `max_completion_tokens` ...; other OpenAI-compatible
  // providers get `max_tokens`", while chat passthrough keeps the client's field (section 2: its
  // body goes on "unchanged apart from what the contract says").
  if (out.max_completion_tokens !== undefined && out.max_tokens === undefined) {
    out.max_tokens = out.max_completion_tokens;
    delete out.max_completion_tokens;
  }
  // Messages says "no parallel calls" inside its tool choice, so a Messages client states `auto`
  // (section 5: auto→`{type:"auto"}`) where a chat client leaves it to the default, `auto` when
  // tools are offered (OpenAI's API reference for `tool_choice`).
  if (out.tool_choice === 'auto' && Array.isArray(out.tools)) delete out.tool_choice;
  // A single stop string and an array of it say the same in chat completions.
  if (typeof out.stop === 'string') out.stop = [out.stop];
  if (Array.isArray(out.tools)) {
    out.tools = (out.tools as Json[]).map((tool) => {
      const fn = { ...(tool.function as Json) };
      // `strict: false` is chat's default: Messages tools carry no `strict` to say it.
      if (fn.strict === false) delete fn.strict;
      return { ...tool, function: fn };
    });
  }
  if (Array.isArray(out.messages)) {
    out.messages = (out.messages as Json[]).map((message) => {
      const m = { ...message };
      // Chat content given as a string, or as text parts alone, says the same.
      if (Array.isArray(m.content) && (m.content as Json[]).every((part) => part.type === 'text')) {
        m.content = (m.content as Json[]).map((part) => part.text).join('');
      }
      if (Array.isArray(m.content)) {
        m.content = (m.content as Json[]).map((part) =>
          // An image's `detail` is a hint chat and Responses clients give and Messages cannot.
          part.type === 'image_url' ? { type: 'image_url', image_url: { url: (part.image_url as Json).url } } : part,
        );
      }
      // An assistant turn of tool calls alone: `content` null, empty or absent says the same.
      if (m.role === 'assistant' && (m.content === null || m.content === '')) delete m.content;
      if (Array.isArray(m.tool_calls)) {
        m.tool_calls = (m.tool_calls as Json[]).map((call) => {
          const fn = call.function as Json;
          // Arguments are JSON text: the same object may be written with other spacing or key order.
          return { ...call, function: { ...fn, arguments: JSON.parse(String(fn.arguments)) } };
        });
      }
      return m;
    });
  }
  // The `openai` adapter sends a translated `max` (Anthropic's top effort) "as `xhigh` to those whose
  // scale ends there" (gpt-5.5; `createOpenAIProvider`), and a chat client's own value as sent.
  // DESIGN section 10 leaves which efforts a model takes to the adapter.
  if (provider === 'openai' && from === 'chat' && out.reasoning_effort === 'max') out.reasoning_effort = 'xhigh';
  // Messages' structured output (`output_config.format`) has no name to carry.
  if (from === 'messages' && out.response_format) ((out.response_format as Json).json_schema as Json).name = 'output';
  return out;
}

/** How the host sends effort to Anthropic (`ANTHROPIC_THINKING`). */
type ThinkingMode = 'adaptive' | 'budget';

/** Drops every `cache_control` mark in `value`, in place. */
function stripCacheControl(value: unknown): void {
  if (Array.isArray(value)) value.forEach(stripCacheControl);
  else if (typeof value === 'object' && value !== null) {
    delete (value as Json).cache_control;
    Object.values(value).forEach(stripCacheControl);
  }
}

/** A Messages upstream body (Anthropic), reduced to what the conversation asked for. */
function normalMessages(body: Json, from: ClientDialect, mode: ThinkingMode): Json {
  const out = clone(body);
  if (Array.isArray(out.messages)) {
    out.messages = (out.messages as Json[]).map((message) => {
      const m = { ...message };
      if (typeof m.content === 'string') m.content = [{ type: 'text', text: m.content }];
      // Anthropic takes a tool result's images inside it; the other dialects cannot, and send them
      // in the user turn after the results (section 9), as the translation to Anthropic then does.
      const toolImages: Json[] = [];
      const blocks = (m.content as Json[]).map((block) => {
        if (block.type !== 'tool_result') return block;
        const parts = typeof block.content === 'string' ? [{ type: 'text', text: block.content }] : (block.content as Json[]);
        toolImages.push(...parts.filter((part) => part.type === 'image'));
        const text = parts
          .filter((part) => part.type === 'text')
          .map((part) => part.text)
          .join('');
        // Section 9: "`tool_result.is_error: true`: the tool message's content starts with `Error: `":
        // the other dialects have no error flag, and say it in the text.
        return { type: 'tool_result', tool_use_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
      });
      const afterResults = blocks.findLastIndex((block) => block.type === 'tool_result') + 1;
      m.content = [...blocks.slice(0, afterResults), ...toolImages, ...blocks.slice(afterResults)];
      return m;
    });
    // Anthropic's API reads consecutive turns of one role as one turn (section 5 merges tool
    // results that way): a tool-result turn and the user's next words, sent apart, say the same.
    out.messages = (out.messages as Json[]).reduce<Json[]>((merged, message) => {
      const last = merged.at(-1);
      if (last && last.role === message.role) last.content = [...(last.content as Json[]), ...(message.content as Json[])];
      else merged.push(message);
      return merged;
    }, []);
  }
  if (from === 'messages') {
    // Passthrough keeps the client's body (section 8), Claude Code's habits included, which the
    // other dialects have no words for: `cache_control`, the billing line, `context_management`, `tools: []`.
    stripCacheControl(out);
    if (Array.isArray(out.system))
      out.system = (out.system as Json[]).filter((block) => !String(block.text).startsWith('x-anthropic-billing-header:'));
    if (Array.isArray(out.system) && out.system.length === 0) delete out.system;
    delete out.context_management;
    if (Array.isArray(out.tools) && out.tools.length === 0) delete out.tools;
    // What the translation does instead:
    // Section 5: "Newer models reject `temperature` and `top_p` together: when both are given,
    // send `temperature` only".
    if (out.temperature !== undefined) delete out.top_p;
    // Section 10: a Messages budget is an effort ("effort by budget: ... >=4096 high, >=2048
    // medium, >=1024 low"), sent to Anthropic as "`thinking: {type:"adaptive", display:"summarized"}`
    // plus `output_config.effort`" (ANTHROPIC_THINKING's default, adaptive).
    const thinking = out.thinking as Json | undefined;
    // Section 10: "`{type:"disabled"}` (none)", and out to Anthropic "`none` sends no thinking".
    if (thinking?.type === 'disabled') delete out.thinking;
    // Section 10: out to Anthropic, "`minimal` sent as `low`".
    const config = out.output_config as Json | undefined;
    if (config?.effort === 'minimal') config.effort = 'low';
    // A system prompt as text blocks or as one string says the same (section 8 joins the blocks).
    if (Array.isArray(out.system)) out.system = (out.system as Json[]).map((block) => block.text).join('\n\n');
    if (thinking?.type === 'enabled') {
      out.thinking = { type: 'adaptive', display: 'summarized' };
      out.output_config = { ...(out.output_config as Json | undefined), effort: EFFORT_OF_BUDGET(Number(thinking.budget_tokens)) };
    }
    // Section 10: "When the last assistant turn has tool calls but no thinking block the router can
    // restore, thinking is left off for that request". And a tool choice that forces a call: the
    // translation leaves thinking off, since Anthropic refuses the two together (DESIGN is silent).
    const lastAssistant = (out.messages as Json[]).findLast((message) => message.role === 'assistant');
    const blocks = (lastAssistant?.content ?? []) as Json[];
    const callsWithoutThinking = blocks.some((block) => block.type === 'tool_use') && !blocks.some((block) => block.type === 'thinking');
    const forced = ['any', 'tool'].includes(String((out.tool_choice as Json | undefined)?.type));
    if (out.thinking !== undefined && (callsWithoutThinking || forced)) {
      delete out.thinking;
      if (out.output_config) delete (out.output_config as Json).effort;
    }
    // Section 10: "with `ANTHROPIC_THINKING=budget` (older models) `thinking: {type:"enabled",
    // budget_tokens}` instead: minimal and low 1024, medium 2048, high 4096, xhigh 8192, max 16384,
    // kept below `max_tokens` (when less than 1024 would remain, thinking is left off)".
    if (mode === 'budget' && out.thinking !== undefined) {
      const effort = String((out.output_config as Json).effort);
      delete (out.output_config as Json).effort;
      const budget = Math.min(BUDGETS[effort as Effort] || 1024, Number(out.max_tokens) - 1);
      if (budget < 1024) delete out.thinking;
      else out.thinking = { type: 'enabled', budget_tokens: budget };
    }
    if (out.output_config && Object.keys(out.output_config as Json).length === 0) delete out.output_config;
    // With thinking on, a translation leaves out what Anthropic refuses beside it: `temperature`,
    // `top_k`, and `top_p` below 0.95 (`shapeThinking`; DESIGN is silent, Anthropic's rule).
    if (out.thinking !== undefined) {
      delete out.temperature;
      if (typeof out.top_p === 'number' && out.top_p < 0.95) delete out.top_p;
    }
  }
  return out;
}

/**
 * Section 10: a Responses `reasoning` item without the router's envelope carries its text only,
 * which Anthropic cannot take back unsigned ("thinking blocks it cannot have signed ... are left
 * out"; Anthropic's signed blocks travel only in that envelope). Applied to the Messages client's
 * body before a Responses client's is compared with it (`normalMessages` then leaves thinking off
 * where the tool loop lost it).
 */
function withoutSignedThinking(body: Json): Json {
  const out = clone(body);
  out.messages = (out.messages as Json[])
    .map((message) =>
      Array.isArray(message.content)
        ? { ...message, content: (message.content as Json[]).filter((block) => block.type !== 'thinking' && block.type !== 'redacted_thinking') }
        : message,
    )
    .filter((message) => !Array.isArray(message.content) || message.content.length > 0);
  return out;
}

/** The Responses API has no stop sequences (section 11 carries none): compared with it, others' stops are left out. */
function withoutStop(body: Json): Json {
  return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'stop' && key !== 'stop_sequences'));
}

function expectSame(actual: Json, expected: Json, what: string, c: Conversation): void {
  try {
    expect(actual).toEqual(expected);
  } catch (error) {
    throw new Error(`${what} (seed ${SEED}; REQ_DIFF_SEED replays it)\n${(error as Error).message}\nconversation: ${JSON.stringify(c)}`, {
      cause: error,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The routes

interface Target {
  name: string;
  model: string;
  fake: () => FakeUpstream;
  /** The client dialects whose requests reach this provider's chat completions API. */
  chat: ClientDialect[];
  /** Messages passthrough to llama-server's own Messages API: the client's body as it is, apart from `model` (section 8). */
  messagesPassthrough?: boolean;
}

const TARGETS: Target[] = [
  {
    name: 'openai (chat passthrough, Messages translated, Responses bridged)',
    model: 'openai/gpt-5.5',
    fake: () => openaiFake,
    chat: ['chat', 'messages', 'responses'],
  },
  {
    name: 'groq, declared in env (chat passthrough, Messages translated, Responses bridged)',
    model: 'groq/llama-4',
    fake: () => groqFake,
    chat: ['chat', 'messages', 'responses'],
  },
  {
    name: 'openai, a model that refuses the effort field (gpt-4o)',
    model: 'openai/gpt-4o',
    fake: () => openaiFake,
    chat: ['chat', 'messages', 'responses'],
  },
  {
    name: 'local (chat passthrough, Responses bridged, Messages passthrough)',
    model: 'local/qwen3',
    fake: () => localFake,
    chat: ['chat', 'responses'],
    messagesPassthrough: true,
  },
];

async function compareOnChatProvider(target: Target, c: Conversation, label: string): Promise<void> {
  const bodies: Partial<Record<ClientDialect, Json>> = {};
  for (const dialect of target.chat) {
    const sent = await sendThrough(dialect, WRITERS[dialect](c, target.model, { signed: false }), target.fake());
    expect(sent.path).toBe('/v1/chat/completions');
    bodies[dialect] = normalChat(sent.body, dialect, c, target.model.split('/')[0]!);
  }
  const chat = bodies.chat!;
  if (bodies.messages) expectSame(bodies.messages, chat, `${label}, ${target.name}: Messages reached it unlike chat`, c);
  expectSame(bodies.responses!, withoutStop(chat), `${label}, ${target.name}: Responses reached it unlike chat`, c);
  if (target.messagesPassthrough) {
    const client = asMessages(c, target.model);
    const sent = await sendThrough('messages', client, target.fake());
    expect(sent.path).toBe('/v1/messages');
    expectSame(sent.body, { ...client, model: target.model.split('/')[1] }, `${label}, ${target.name}: Messages passthrough changed the body`, c);
  }
}

async function compareOnAnthropic(c: Conversation, label: string, mode: ThinkingMode = 'adaptive'): Promise<void> {
  const model = 'anthropic/claude-sonnet-5-5';
  const raw: Partial<Record<ClientDialect, Json>> = {};
  for (const dialect of ['messages', 'chat', 'responses'] as const) {
    const sent = await sendThrough(dialect, WRITERS[dialect](c, model, { signed: true }), anthropicFake, mode === 'budget' ? budgetHost : host);
    expect(sent.path).toBe('/v1/messages');
    raw[dialect] = sent.body;
  }
  const messages = raw.messages!;
  expectSame(
    normalMessages(raw.chat!, 'chat', mode),
    normalMessages(messages, 'messages', mode),
    `${label}, anthropic (${mode}): chat reached it unlike Messages passthrough`,
    c,
  );
  expectSame(
    normalMessages(raw.responses!, 'responses', mode),
    withoutStop(normalMessages(withoutSignedThinking(messages), 'messages', mode)),
    `${label}, anthropic (${mode}): Responses reached it unlike Messages passthrough`,
    c,
  );
}

// ---------------------------------------------------------------------------------------------

const CASES: Array<[string, Conversation]> = (() => {
  const next = random(SEED);
  return Array.from({ length: GENERATED_CASES }, (_, index) => [`case ${index}`, generated(next, index)] as [string, Conversation]);
})();

describe(`one conversation in three dialects reaches the provider the same (seed ${SEED})`, () => {
  // Another seed (REQ_DIFF_SEED) replays its cases; only the default one promises them all.
  (process.env.REQ_DIFF_SEED === undefined ? test : test.skip)('the generated conversations hold every feature the comparison is for', () => {
    const all = CASES.map(([, c]) => c);
    const turns = all.flatMap((c) => c.turns);
    const results = turns.flatMap((turn) => (turn.role === 'tools' ? turn.results : []));
    const features: Record<string, boolean> = {
      'a system prompt': all.some((c) => c.system !== undefined),
      'an image by data URL': turns.some((turn) => turn.role === 'user' && turn.images?.includes(DATA_URL)),
      'a PDF document': turns.some((turn) => turn.role === 'user' && turn.pdf === true),
      'an image by http URL': turns.some((turn) => turn.role === 'user' && turn.images?.includes(HTTP_URL)),
      'several tool calls in one turn': turns.some((turn) => turn.role === 'assistant' && (turn.calls?.length ?? 0) > 1),
      'an error result': results.some((result) => result.isError),
      'an image in a tool result': results.some((result) => result.image !== undefined),
      "Anthropic's redacted thinking": turns.some((turn) => turn.role === 'assistant' && turn.redacted !== undefined),
      'reasoning carried back': turns.some((turn) => turn.role === 'assistant' && turn.reasoning !== undefined),
      'a conversation ending in tool results': all.some((c) => c.turns.at(-1)?.role === 'tools'),
      'tool_choice required': all.some((c) => c.toolChoice === 'required'),
      'tool_choice none': all.some((c) => c.toolChoice === 'none'),
      'a named tool_choice': all.some((c) => typeof c.toolChoice === 'object'),
      'parallel_tool_calls false': all.some((c) => c.parallel === false),
      'temperature and top_p together': all.some((c) => c.temperature !== undefined && c.topP !== undefined),
      'stop sequences': all.some((c) => c.stop !== undefined),
      'a user id': all.some((c) => c.user !== undefined),
      'structured output': all.some((c) => c.schema !== undefined),
      'effort by budget': all.some((c) => c.thinkingAs === 'budget'),
      'effort none': all.some((c) => c.effort === 'none'),
      'a stream': all.some((c) => c.stream === true),
      "Claude Code's habits": all.some((c) => c.claudeCode === true),
      'reasoning carried back as summary text': all.some(
        (c) => c.reasoningAs === 'summary' && c.turns.some((turn) => turn.role === 'assistant' && turn.reasoning !== undefined),
      ),
    };
    expect(
      Object.entries(features)
        .filter(([, present]) => !present)
        .map(([feature]) => `${feature} (seed ${SEED})`),
    ).toEqual([]);
  });

  for (const target of TARGETS) {
    test(`${GENERATED_CASES} generated conversations: ${target.name}`, async () => {
      for (const [label, c] of CASES) await compareOnChatProvider(target, c, label);
    });
  }
  test(`${GENERATED_CASES} generated conversations: anthropic (chat and Responses translated, Messages passthrough)`, async () => {
    for (const [label, c] of CASES) await compareOnAnthropic(c, label);
  });
  test(`${GENERATED_CASES} generated conversations: anthropic with ANTHROPIC_THINKING=budget`, async () => {
    for (const [label, c] of CASES) await compareOnAnthropic(c, label, 'budget');
  });
});

/** Conversations written by hand, each for something the generator does not reach. */
const HAND_CASES: Array<[string, Conversation, Array<Target['name'] | 'anthropic'>]> = [
  [
    'a system prompt in the middle of the conversation, and user turns of several text parts',
    {
      system: 'Be brief.',
      systemAs: 'developer',
      turns: [
        { role: 'user', text: 'first part', more: 'second part' },
        { role: 'assistant', text: 'ok' },
        { role: 'system', text: 'From now on, answer in French.' },
        { role: 'user', text: 'look', images: [HTTP_URL, DATA_URL], more: 'what is it?' },
      ],
      maxTokens: 100,
    },
    TARGETS.map((target) => target.name),
  ],
  [
    'no token limit: Anthropic gets ANTHROPIC_MAX_TOKENS, which a Messages client must state',
    { turns: [{ role: 'user', text: 'hi' }], temperature: 0.3 },
    ['anthropic'],
  ],
  [
    'a tool loop with empty arguments and an empty result, thinking by budget, the calls signed',
    {
      tools: TOOLS,
      turns: [
        { role: 'user', text: 'go' },
        {
          role: 'assistant',
          reasoning: 'I should call both.',
          calls: [
            { id: 'toolu_01A', name: 'search', args: {} },
            { id: 'toolu_01B', name: 'calc', args: { expr: '', exact: false } },
          ],
        },
        {
          role: 'tools',
          results: [
            { id: 'toolu_01A', text: '' },
            { id: 'toolu_01B', text: 'nan', isError: true },
          ],
        },
      ],
      toolChoice: 'auto',
      parallel: false,
      maxTokens: 8000,
      effort: 'high',
      thinkingAs: 'budget',
      stop: ['Observation:'],
      user: 'device-42',
    },
    [...TARGETS.map((target) => target.name), 'anthropic'],
  ],
];

describe('hand-written conversations reach the provider the same in every dialect', () => {
  for (const [name, conversation, targets] of HAND_CASES) {
    test(name, async () => {
      for (const target of TARGETS.filter((each) => targets.includes(each.name))) await compareOnChatProvider(target, conversation, name);
      if (targets.includes('anthropic')) await compareOnAnthropic(conversation, name);
    });
  }
});

/**
 * What one dialect cannot carry to a provider (sections 5, 9 and 11) is refused on that dialect
 * with a 400 in its own error shape that names the field, and nothing reaches any upstream.
 */
describe('a field one dialect must refuse is refused there, naming it, and nothing is sent', () => {
  const base = (dialect: ClientDialect, model: string): Json =>
    WRITERS[dialect]({ turns: [{ role: 'user', text: 'hi' }], maxTokens: 64 }, model, { signed: false });
  const cases: Array<[ClientDialect, string, string, (body: Json) => Json]> = [
    // Section 5: "`json_object` (no schema) is a 400, since Anthropic has no schema-less JSON mode".
    ['chat', 'anthropic/claude-sonnet-5-5', 'response_format', (body) => ({ ...body, response_format: { type: 'json_object' } })],
    // Section 11: `text.format` "for Anthropic as in section 5".
    ['responses', 'anthropic/claude-sonnet-5-5', 'text.format', (body) => ({ ...body, text: { format: { type: 'json_object' } } })],
    // Section 11: "Refused with 400 `unsupported_parameter`, `param` naming the field (`input` for items)".
    ['responses', 'groq/llama-4', 'previous_response_id', (body) => ({ ...body, previous_response_id: 'resp_1' })],
    ['responses', 'anthropic/claude-sonnet-5-5', 'previous_response_id', (body) => ({ ...body, previous_response_id: 'resp_1' })],
    ['responses', 'openai/gpt-5.5', 'conversation', (body) => ({ ...body, conversation: 'conv_1' })],
    ['responses', 'local/qwen3', 'background', (body) => ({ ...body, background: true })],
    ['responses', 'anthropic/claude-sonnet-5-5', 'background', (body) => ({ ...body, background: true })],
    ['responses', 'groq/llama-4', 'input', (body) => ({ ...body, input: [...(body.input as Json[]), { type: 'item_reference', id: 'msg_1' }] })],
    [
      'responses',
      'anthropic/claude-sonnet-5-5',
      'input',
      (body) => ({ ...body, input: [...(body.input as Json[]), { type: 'item_reference', id: 'msg_1' }] }),
    ],
    // Section 11: hosted tools are left out, and "a `tool_choice` that forces one is a 400".
    ['responses', 'groq/llama-4', 'tool_choice', (body) => ({ ...body, tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } })],
    // Section 9: a Messages field with no chat equivalent, and a block type with none, are refused.
    ['messages', 'groq/llama-4', 'mcp_servers', (body) => ({ ...body, mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] })],
    [
      'messages',
      'openai/gpt-5.5',
      'document',
      (body) => ({
        ...body,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
              { type: 'text', text: 'hi' },
            ],
          },
        ],
      }),
    ],
  ];
  test.each(cases)('%s to %s: %s', async (dialect, model, field, change) => {
    fakes().forEach((fake) => fake.reset());
    const path = dialect === 'chat' ? 'chat/completions' : dialect;
    const response = await fetch(`${host.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
      body: JSON.stringify(change(base(dialect, model))),
    });
    const answer = (await response.json()) as { type?: string; error: { message: string; type: string; param?: string } };
    expect(response.status).toBe(400);
    expect(answer.error.message).toContain(field);
    if (dialect === 'messages') {
      // Section 8: errors on these routes are Anthropic-shaped.
      expect(answer).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    } else {
      expect(answer.error.param).toBe(field);
    }
    expect(fakes().flatMap((fake) => fake.requests)).toEqual([]);
  });
});
