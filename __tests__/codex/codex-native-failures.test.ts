/**
 * The real Codex CLI through the router to upstreams that serve the Responses API themselves
 * (DESIGN section 11: `openai` and `openrouter` natively, `LOCAL_RESPONSES=native`), when they fail
 * mid-stream in the shapes compatible servers use. Codex reads a failure's reason only from
 * `response.failed` with `response.error`: each failure must reach it there, with the upstream's
 * message. Runs with the Codex suite only (`CODEX_THROUGH_ROUTER=1 jest -c jest.codex.config.js`).
 */
import { sseFrames } from '../support/fixtures';
import { CLIENT_TOKEN } from '../support/keys';
import { RESPONSES_FIXTURES } from '../support/responses-wire';
import { TEXT_PROMPT } from '../support/agent-upstreams';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import type { FakeUpstream } from '../support/fake-upstream';
import { streamThenSilence } from '../support/misbehaving-upstreams';
import { runCodex, type CodexRun, IN_CODEX_SUITE, THROUGH_ROUTER } from './codex';

/** The opening of a text answer: created, in_progress, the reasoning item added, a reasoning delta. */
const OPENING = sseFrames(RESPONSES_FIXTURES.text).slice(0, 4).join('');

if (!IN_CODEX_SUITE || !THROUGH_ROUTER) {
  test.todo('runs in the Codex suite through the router: CODEX_THROUGH_ROUTER=1 jest -c jest.codex.config.js');
} else {
  describe('the Codex CLI through the router to native Responses upstreams that fail mid-stream', () => {
    const fakes = useFakes();
    /** The host's idle timeout: short, so that a silent upstream fails the turn quickly. */
    const IDLE_MS = 1000;
    const host = useHost(fakes, { env: { LOCAL_RESPONSES: 'native', PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) } });

    const ROUTES = [
      ['openrouter/openai/gpt-5.5', () => fakes.openrouter],
      ['local/qwen (LOCAL_RESPONSES=native)', () => fakes.local],
    ] as const;

    async function codexAfter(route: string, fake: () => FakeUpstream, tail: string): Promise<CodexRun> {
      fake().handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(OPENING + tail);
      };
      return runCodex({ baseUrl: `${host.url}/v1`, model: route.split(' ')[0]!, prompt: TEXT_PROMPT, token: CLIENT_TOKEN });
    }

    test.each(ROUTES)(
      "%s: OpenRouter's in-stream error (a data frame of nothing but `error`) fails the turn with its message",
      async (route, fake) => {
        const run = await codexAfter(
          route,
          fake,
          `data: ${JSON.stringify({ error: { code: 502, message: 'Provider returned error: upstream X is down' } })}\n\n`,
        );
        expect(run.exitCode).toBe(1);
        expect(run.errors.join('\n')).toContain('Provider returned error: upstream X is down');
        expect(run.finalMessage).toBeUndefined();
      },
    );

    test.each(ROUTES)('%s: a response.failed with its error beside its fields (no response) fails the turn with its message', async (route, fake) => {
      const bare = { type: 'response.failed', sequence_number: 4, error: { code: 'server_error', message: 'The engine crashed mid-answer' } };
      const run = await codexAfter(route, fake, `event: response.failed\ndata: ${JSON.stringify(bare)}\n\n`);
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain('The engine crashed mid-answer');
    });

    test.each(ROUTES)("%s: OpenAI's `error` event, then the end, fails the turn with its message", async (route, fake) => {
      const error = { type: 'error', sequence_number: 4, code: 'server_error', message: 'The model produced invalid content.', param: null };
      const run = await codexAfter(route, fake, `event: error\ndata: ${JSON.stringify(error)}\n\n`);
      // Straight from such an upstream Codex shows only "stream closed before response.completed".
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain('The model produced invalid content.');
    });

    test.each(ROUTES)('%s: silence past PROVIDER_IDLE_TIMEOUT_MS fails the turn soon after, naming the timeout', async (route, fake) => {
      fake().handler = (_request, res) => streamThenSilence(res, [OPENING]);
      const run = await runCodex({ baseUrl: `${host.url}/v1`, model: route.split(' ')[0]!, prompt: TEXT_PROMPT, token: CLIENT_TOKEN });
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain('PROVIDER_IDLE_TIMEOUT_MS');
      expect(run.durationMs).toBeLessThan(IDLE_MS + 10_000);
    });

    test.each(ROUTES)('%s: a stream cut inside an event: line fails the turn as cut off', async (route, fake) => {
      const run = await codexAfter(route, fake, 'event: response.reasoning_te');
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain('ended before its terminator');
    });
  });
}
