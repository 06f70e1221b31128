/**
 * Findings of a white-box review of configuration, routing, providers, telemetry and the model
 * list against DESIGN.md sections 1 and 6: each test shows one fault that was fixed.
 */
import request from 'supertest';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost } from '../support/host';
import { chatBody } from '../support/request-bodies';

let openai: FakeUpstream, local: FakeUpstream, openrouter: FakeUpstream, anthropic: FakeUpstream;

beforeAll(async () => {
  [openai, local, openrouter, anthropic] = await startFakeUpstreams('openai', 'local', 'openrouter', 'anthropic');
});
afterEach(() => [openai, local, openrouter, anthropic].forEach((fake) => fake.reset()));
afterAll(() => Promise.all([openai, local, openrouter, anthropic].map((fake) => fake.close())));

describe('environment', () => {
  test('ANTHROPIC_THINKING is read like every other variable: spaces around it and its case do not matter', async () => {
    for (const value of [' budget', 'budget\n', 'Budget']) {
      const host = await startHost({ env: { ...envFor({ anthropic, local }), ANTHROPIC_THINKING: value } });
      try {
        const res = await request(host.url)
          .post('/v1/chat/completions')
          .send({ ...chatBody('claude-sonnet-4-5'), max_tokens: 8192, reasoning_effort: 'high' });
        expect(res.status).toBe(200);
        expect(anthropic.requests.at(-1)?.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 4096 } });
      } finally {
        await host.close();
      }
    }
  });
});
