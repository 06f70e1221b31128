/**
 * The example chat app (examples/chat-app) in a real browser: Debian's chromium, headless, driven
 * by playwright-core. The example runs as its own process, as `npm start` runs it, against slow
 * fake upstreams of three providers (OpenAI, OpenRouter, llama-server); a second process has no
 * setup at all and must fall back to its demo backend.
 *
 * Needs /usr/bin/chromium (`bash scripts/install-chromium.sh`) and dist/ (`npm run test:e2e` builds).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { unusedPort } from '../support/ports';
import { startExampleServer, type ExampleServer } from './example-server';
import { startSlowUpstream, THINKING, type SlowUpstream } from './slow-upstream';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WORD_DELAY_MS = 150;
const SHORT_REPLY = (who: string): string => `Hello from the fake ${who} upstream. This answer streams in one word at a time.`;
const LONG_REPLY = Array.from({ length: 80 }, (_, i) => `word${i + 1}`).join(' ');

const screenshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-app-e2e-'));
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/install-chromium.sh`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  console.log(
    `chat-app e2e screenshots and server logs: ${screenshotDir}\n${fs
      .readdirSync(screenshotDir)
      .map((f) => `  ${path.join(screenshotDir, f)}`)
      .join('\n')}`,
  );
});

async function openPage(url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  // Each context is a fresh, empty profile.
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(screenshotDir, name);
  await page.screenshot({ path: file });
  return file;
}

const lastAnswer = (page: Page): Locator => page.locator('#messages .msg.assistant').last();

async function sendMessage(page: Page, text: string): Promise<Locator> {
  const before = await page.locator('#messages .msg.assistant').count();
  await page.fill('#prompt', text);
  await page.press('#prompt', 'Enter');
  await page.locator('#messages .msg.assistant').nth(before).waitFor();
  return page.locator('#messages .msg.assistant').nth(before);
}

/** Samples the answer's visible text until the answer leaves the streaming state. */
async function sampleUntilFinished(message: Locator, timeoutMs = 15_000): Promise<{ intermediate: string[]; final: string; state: string }> {
  const answer = message.locator('.answer');
  const intermediate: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await message.getAttribute('data-state')) ?? '';
    const text = (await answer.textContent()) ?? '';
    if (state !== 'streaming') return { intermediate, final: text, state };
    if (text !== '' && intermediate[intermediate.length - 1] !== text) intermediate.push(text);
    if (Date.now() > deadline) throw new Error(`the answer was still streaming after ${timeoutMs} ms: "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

async function optionValues(page: Page, provider: string): Promise<string[]> {
  return page
    .locator(`#model-select optgroup[data-provider="${provider}"] option`)
    .evaluateAll((options) => options.map((option) => option.getAttribute('value') ?? ''));
}

describe('example chat app with OpenAI, OpenRouter and llama-server upstreams', () => {
  let openai: SlowUpstream;
  let openrouter: SlowUpstream;
  let local: SlowUpstream;
  let server: ExampleServer;
  let page: Page;

  beforeAll(async () => {
    const reply = (who: string) => (model: string) => (model.includes('long') ? LONG_REPLY : SHORT_REPLY(who));
    openai = await startSlowUpstream({
      kind: 'openai',
      models: ['gpt-e2e-mini', 'gpt-e2e-large'],
      ownedBy: 'openai',
      reply: reply('OpenAI'),
      wordDelayMs: WORD_DELAY_MS,
    });
    openrouter = await startSlowUpstream({
      kind: 'openrouter',
      models: ['e2e/router-small', 'e2e/router-long'],
      ownedBy: 'e2e',
      reply: reply('OpenRouter'),
      wordDelayMs: WORD_DELAY_MS,
    });
    local = await startSlowUpstream({
      kind: 'local',
      models: ['local-e2e.gguf'],
      ownedBy: 'llamacpp',
      reply: reply('llama-server'),
      wordDelayMs: WORD_DELAY_MS,
    });
    server = await startExampleServer({
      OPENAI_API_KEY: 'sk-e2e-openai-0123456789abcdef',
      OPENAI_BASE_URL: openai.baseUrl,
      OPENROUTER_API_KEY: 'sk-or-e2e-0123456789abcdef',
      OPENROUTER_BASE_URL: openrouter.baseUrl,
      LOCAL_BASE_URL: local.baseUrl,
      PROVIDER_TIMEOUT_MS: '5000',
      PROVIDER_IDLE_TIMEOUT_MS: '5000',
    });
    page = await openPage(server.url);
  });

  afterAll(async () => {
    await page?.context().close();
    await server?.stop();
    if (server) fs.writeFileSync(path.join(screenshotDir, 'server-with-providers.log'), server.output());
    await Promise.all([openai?.close(), openrouter?.close(), local?.close()]);
  });

  test('starts without the demo backend when providers are configured', async () => {
    expect(server.output()).not.toContain('DEMO MODE');
    expect(server.output()).toMatch(/local\s+http:\/\/127\.0\.0\.1:\d+\/v1 answers/);
    await expect(page.locator('#demo-banner').isVisible()).resolves.toBe(false);
  });

  test('the model picker lists the models of every provider, grouped by provider', async () => {
    await page.waitForSelector('#model-select optgroup[data-provider="openrouter"] option', { state: 'attached' });
    await expect(optionValues(page, 'openai')).resolves.toEqual(['openai/gpt-e2e-large', 'openai/gpt-e2e-mini']);
    await expect(optionValues(page, 'openrouter')).resolves.toEqual(['openrouter/e2e/router-long', 'openrouter/e2e/router-small']);
    await expect(optionValues(page, 'local')).resolves.toEqual(['local-e2e.gguf']);
    const labels = await page.locator('#model-select optgroup').evaluateAll((groups) => groups.map((g) => g.getAttribute('label')));
    expect(labels).toEqual(['llama-server (1)', 'OpenAI (2)', 'OpenRouter (2)']);
  });

  test('an answer streams into the page in visible steps, then shows its telemetry line', async () => {
    await page.selectOption('#model-select', 'openai/gpt-e2e-mini');
    const message = await sendMessage(page, 'Say hello');
    const { intermediate, final, state } = await sampleUntilFinished(message);

    const expected = SHORT_REPLY('OpenAI');
    expect(state).toBe('done');
    expect(final).toBe(expected);
    const partial = intermediate.filter((text) => text !== final);
    expect(partial.length).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(expected.startsWith(text)).toBe(true);

    // The telemetry line, from the router's request.end event matched by x-request-id.
    const meta = message.locator('.meta');
    await expect(meta.locator('text=total').waitFor()).resolves.toBeUndefined();
    await expect(message.getAttribute('data-provider')).resolves.toBe('openai');
    await expect(meta.locator('.chip').getAttribute('data-provider')).resolves.toBe('openai');
    const line = (await meta.textContent()) ?? '';
    expect(line).toMatch(/OpenAI/);
    expect(line).toContain('gpt-e2e-mini');
    expect(line).toMatch(/first token \d+ ms/);
    expect(line).toMatch(new RegExp(`\\d+ in / ${expected.split(' ').length} out tokens`));

    expect(openai.chats).toHaveLength(1);
    expect(openai.chats[0]!.model).toBe('gpt-e2e-mini');
    expect(openai.chats[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    // The host's request log saw the stream too.
    expect(server.output()).toMatch(/POST \/v1\/chat\/completions 200 \d+B/);
  });

  test('the telemetry line names the provider that answered, and the history goes with the next request', async () => {
    await page.selectOption('#model-select', 'openrouter/e2e/router-small');
    const message = await sendMessage(page, 'And now from OpenRouter?');
    const { final, state } = await sampleUntilFinished(message);
    expect(state).toBe('done');
    expect(final).toBe(SHORT_REPLY('OpenRouter'));
    await message.locator('.meta >> text=total').waitFor();
    await expect(message.locator('.meta .chip').getAttribute('data-provider')).resolves.toBe('openrouter');
    await expect(message.locator('.meta').textContent()).resolves.toMatch(/OpenRouter.*e2e\/router-small/);

    expect(openrouter.chats).toHaveLength(1);
    expect(openrouter.chats[0]!.model).toBe('e2e/router-small');
    expect(openrouter.chats[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(openrouter.chats[0]!.messages[1]!.content).toBe(SHORT_REPLY('OpenAI'));

    // The sidebar's live feed lists both requests.
    await expect(page.locator('#activity li[data-provider]').count()).resolves.toBeGreaterThanOrEqual(2);
    console.log(`screenshot: ${await screenshot(page, 'chat.png')}`);
  });

  test('Stop aborts the answer mid-stream: the upstream connection is closed and the page says so', async () => {
    await page.selectOption('#model-select', 'openrouter/e2e/router-long');
    const message = await sendMessage(page, 'Tell me a long story');
    const answer = message.locator('.answer');
    await waitFor(async () => ((await answer.textContent()) ?? '').split(/\s+/).filter(Boolean).length >= 3, 5_000);
    await expect(page.locator('#stop').isVisible()).resolves.toBe(true);

    await screenshot(page, 'streaming.png');
    const closed = openrouter.waitForClientClose(5_000);
    await page.click('#stop');
    await closed;
    expect(openrouter.clientClosed).toBe(1);

    await expect(message.getAttribute('data-state')).resolves.toBe('stopped');
    await expect(message.locator('.notice').textContent()).resolves.toContain('Stopped');
    const textAtStop = (await answer.textContent()) ?? '';
    expect(textAtStop.length).toBeGreaterThan(0);
    expect(LONG_REPLY.startsWith(textAtStop)).toBe(true);
    expect(textAtStop).not.toBe(LONG_REPLY);
    await new Promise((resolve) => setTimeout(resolve, 3 * WORD_DELAY_MS));
    await expect(answer.textContent()).resolves.toBe(textAtStop);

    // The router reported the abort; the page shows it on the telemetry line.
    await message.locator('.meta >> text=stopped').waitFor();
    await expect(message.locator('.meta .chip').getAttribute('data-provider')).resolves.toBe('openrouter');
    await expect(page.locator('#send').isVisible()).resolves.toBe(true);
  });

  test('errors are shown as readable messages: unconfigured provider, upstream 500, stream cut mid-answer', async () => {
    // A model of a provider without its key, typed into the free-text model field.
    await page.fill('#model-input', 'anthropic/claude-x');
    await page.press('#model-input', 'Enter');
    await expect(page.inputValue('#model-select')).resolves.toBe('anthropic/claude-x');
    const unconfigured = await sendMessage(page, 'Hello Claude');
    await expect(unconfigured.locator('[role=alert]').waitFor()).resolves.toBeUndefined();
    await expect(unconfigured.getAttribute('data-state')).resolves.toBe('error');
    const text1 = (await unconfigured.locator('[role=alert]').innerText()).trim();
    expect(text1).toMatch(/^Provider not configured/);
    expect(text1).toContain('Provider "anthropic" is not configured: set ANTHROPIC_API_KEY on the server to use it.');
    expect(text1).not.toContain('{');

    // An upstream's own 500 keeps its status and message.
    await page.selectOption('#model-select', 'local-e2e.gguf');
    local.failNext('http500');
    const crashed = await sendMessage(page, 'Are you there?');
    await crashed.locator('[role=alert]').waitFor();
    const text2 = await crashed.locator('[role=alert]').innerText();
    expect(text2).toContain('The provider failed (500)');
    expect(text2).toContain('model crashed: CUDA out of memory');
    expect(text2).toContain('provider: llama-server');
    await crashed.locator('.meta >> text=error 500').waitFor();

    // A stream that breaks after a few words: the router's {"error":...} frame, shown under the partial answer.
    local.failNext('cut');
    const cut = await sendMessage(page, 'Try again please');
    await cut.locator('[role=alert]').waitFor({ timeout: 10_000 });
    await expect(cut.getAttribute('data-state')).resolves.toBe('error');
    await expect(cut.locator('.answer').textContent()).resolves.toBe('Hello from the ');
    const text3 = await cut.locator('[role=alert]').innerText();
    expect(text3).toContain('The answer broke off');
    expect(text3).toMatch(/mid-stream/);

    // A failed turn is not sent again: the next request carries only the turns that worked.
    const retried = await sendMessage(page, 'One more time');
    const { state } = await sampleUntilFinished(retried);
    expect(state).toBe('done');
    const sent = local.chats[local.chats.length - 1]!.messages.map((m) => m.content);
    expect(sent).not.toContain('Hello Claude');
    expect(sent).not.toContain('Are you there?');
    expect(sent).not.toContain('Try again please');
    expect(sent[sent.length - 1]).toBe('One more time');

    await crashed.scrollIntoViewIfNeeded();
    console.log(`screenshot: ${await screenshot(page, 'errors.png')}`);
  });

  test("a reasoning model's thinking streams into a collapsed Thinking block above the answer, with its token count", async () => {
    await page.selectOption('#model-select', 'local-e2e.gguf');
    const message = await sendMessage(page, 'Think, then say hello');
    const thinking = message.locator('details.thinking');
    await thinking.waitFor({ state: 'visible' });
    await expect(thinking.getAttribute('open')).resolves.toBeNull();
    const { final, state } = await sampleUntilFinished(message);
    expect(state).toBe('done');
    expect(final).toBe(SHORT_REPLY('llama-server'));
    expect((await thinking.textContent())?.replace(/^Thinking/, '').trim()).toBe(THINKING.trim());
    await message.locator('.meta >> text=total').waitFor();
    await expect(message.locator('.meta .m-reasoning').textContent()).resolves.toBe(`${THINKING.match(/\S+\s*/g)!.length} thinking`);
    await screenshot(page, 'thinking.png');
  });
});

describe('example chat app with no setup at all', () => {
  let server: ExampleServer;
  let page: Page;

  beforeAll(async () => {
    const port = await unusedPort();
    server = await startExampleServer({
      OPENAI_API_KEY: '',
      OPENROUTER_API_KEY: '',
      ANTHROPIC_API_KEY: '',
      LOCAL_BASE_URL: `http://127.0.0.1:${port}/v1`,
      DEMO_WORD_DELAY_MS: '15',
    });
    page = await openPage(server.url, 'dark');
  });

  afterAll(async () => {
    await page?.context().close();
    await server?.stop();
    if (server) fs.writeFileSync(path.join(screenshotDir, 'server-demo.log'), server.output());
  });

  test('starts the demo backend, says so, lists the demo model and answers with it', async () => {
    expect(server.output()).toContain('DEMO MODE');
    expect(server.output()).toContain('llama-server -m model.gguf --port 9931');

    await expect(page.locator('#demo-banner').isVisible()).resolves.toBe(true);
    await expect(page.locator('#demo-banner').innerText()).resolves.toMatch(/Demo mode[\s\S]*LOCAL_BASE_URL[\s\S]*OPENAI_API_KEY/);
    await expect(page.locator('#demo-badge').isVisible()).resolves.toBe(true);
    await page.waitForSelector('#model-select option[value="demo-llama (demo)"]', { state: 'attached' });
    await expect(optionValues(page, 'local')).resolves.toEqual(['demo-llama (demo)']);
    await expect(page.inputValue('#model-select')).resolves.toBe('demo-llama (demo)');
    await expect(page.locator('#model-select optgroup').getAttribute('label')).resolves.toBe('Demo backend (1)');

    await screenshot(page, 'demo-start-dark.png');
    await page.click('.suggestion >> text=Hello!');
    await page.press('#prompt', 'Enter');
    const message = lastAnswer(page);
    await message.waitFor();
    const { intermediate, final, state } = await sampleUntilFinished(message);
    expect(state).toBe('done');
    expect(final).toContain("I'm the built-in demo backend");
    expect(intermediate.length).toBeGreaterThanOrEqual(2);
    await message.locator('.meta >> text=total').waitFor();
    await expect(message.locator('.meta .chip').innerText()).resolves.toBe('Demo backend');
    await expect(message.locator('.meta').textContent()).resolves.toMatch(/demo-llama \(demo\).*tokens/);
    console.log(`screenshot: ${await screenshot(page, 'demo-dark.png')}`);
  });
});
