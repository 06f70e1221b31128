/**
 * The environment of docs/claude-code.md's "Configure Claude Code", as written (only
 * `ANTHROPIC_BASE_URL` pointed at the test host): the model chosen by `ANTHROPIC_MODEL`, not
 * `--model` as the other suites do, the token as `ANTHROPIC_AUTH_TOKEN`, and
 * `CLAUDE_CODE_MAX_OUTPUT_TOKENS`. Runs with the Claude Code suite only (`jest -c jest.claude-code.config.js`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentFor, TEXT_PROMPT } from '../support/agent-upstreams';
import { envFor, startHost, type Host } from '../support/host';
import { useFakes } from '../support/use-fakes';
import { describeRun, IN_CLAUDE_CODE_SUITE, runClaude } from './claude-code';

/** The `export NAME=value` lines of the guide's first sh block, comments cut. */
function guideEnv(): Record<string, string> {
  const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'claude-code.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(guide)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/^export (\w+)=(\S+)/gm)].map((match) => [match[1]!, match[2]!]));
}

const fakes = useFakes();
let host: Host;

beforeAll(async () => {
  host = await startHost({ env: envFor(fakes) });
});
afterAll(() => host.close());

(IN_CLAUDE_CODE_SUITE ? describe : describe.skip)('docs/claude-code.md, Configure Claude Code, as written', () => {
  test('ANTHROPIC_MODEL picks the model, ANTHROPIC_AUTH_TOKEN stays with the host, CLAUDE_CODE_MAX_OUTPUT_TOKENS caps max_tokens', async () => {
    const env = guideEnv();
    expect(env).toMatchObject({
      ANTHROPIC_BASE_URL: 'http://localhost:3000',
      ANTHROPIC_MODEL: 'openrouter/qwen/qwen3-coder',
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '8192',
    });
    fakes.openrouter.handler = agentFor(fakes.openrouter);
    const { ANTHROPIC_AUTH_TOKEN: token, ...rest } = env;
    delete rest.ANTHROPIC_BASE_URL;
    const run = await runClaude({ baseUrl: host.url, model: '', prompt: TEXT_PROMPT, auth: 'bearer', token: `${token}-0123456789`, env: rest });
    if (run.exitCode !== 0 || run.result?.is_error !== false) throw new Error(describeRun(run));
    const sent = fakes.openrouter.requests.filter((request) => request.body?.model === 'qwen/qwen3-coder');
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) {
      expect(request.body?.max_tokens).toBeLessThanOrEqual(8192);
      expect(JSON.stringify(request.headers)).not.toContain(`${token}-0123456789`);
    }
  });
});
