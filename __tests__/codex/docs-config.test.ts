/**
 * The `config.toml` snippets of docs/codex.md, as written (only `base_url` pointed at the test
 * host), run once each with the real Codex CLI through an Express host with the router at /v1, the
 * command line as the guide gives it. Runs with the Codex suite only (`jest -c jest.codex.config.js`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli-run';
import { agentFor } from '../support/agent-upstreams';
import { envFor, startHost, type Host } from '../support/host';
import { useFakes } from '../support/use-fakes';
import { codexBinary, IN_CODEX_SUITE } from './codex';

const HOST_TOKEN = 'host-token-from-the-guide-0123';

/** The ```toml blocks of docs/codex.md, in order. */
function tomlBlocks(): string[] {
  const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'codex.md'), 'utf8');
  return [...guide.matchAll(/```toml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

const fakes = useFakes();
let host: Host;
const authorizations: (string | undefined)[] = [];

beforeAll(async () => {
  host = await startHost(
    { env: envFor(fakes) },
    { before: (app) => app.use((req, _res, next) => (authorizations.push(req.headers.authorization), next())) },
  );
});
afterAll(() => host.close());

(IN_CODEX_SUITE ? describe : describe.skip)('docs/codex.md config snippets, as written', () => {
  it.each([
    ['Configure Codex: the minimal config.toml, `codex exec --skip-git-repo-check "..."`', 0, ['exec', '--skip-git-repo-check']],
    [
      'Codex headless, in tests and CI: the headless config.toml and command line',
      1,
      ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--strict-config', '--color', 'never'],
    ],
  ] as const)('%s', async (_title, block, flags) => {
    const snippet = tomlBlocks()[block] ?? '';
    expect(snippet).toContain('base_url = "http://127.0.0.1:3000/v1"');
    const root = mkdtempSync(join(tmpdir(), 'epr-codex-docs-'));
    const [codexHome, home, work] = [join(root, 'codex-home'), join(root, 'home'), join(root, 'work')] as const;
    for (const dir of [codexHome, home, work]) mkdirSync(dir);
    writeFileSync(join(codexHome, 'config.toml'), snippet.replace('http://127.0.0.1:3000/v1', `${host.url}/v1`));
    authorizations.length = 0;
    fakes.anthropic.handler = agentFor(fakes.anthropic);
    try {
      const run = await runCli(codexBinary(), [...flags, '--cd', work, 'Say hello.'], {
        cwd: work,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: codexHome, HOST_TOKEN, LANG: 'C.UTF-8', TERM: 'dumb' },
        timeoutMs: 60_000,
      });
      expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? '' : run.stderr }).toEqual({ exitCode: 0, stderr: '' });
      expect(authorizations).toContain(`Bearer ${HOST_TOKEN}`);
      const upstream = fakes.received().filter((request) => request.method === 'POST');
      expect(upstream.length).toBeGreaterThan(0);
      expect(upstream.every((request) => !JSON.stringify(request.headers).includes(HOST_TOKEN))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
