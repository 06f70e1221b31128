/**
 * Runs the real Codex CLI (pinned by `scripts/install-codex.sh`) headless against a Responses API
 * base URL: `codex exec --json` with a throwaway CODEX_HOME whose `config.toml` names one provider
 * (`wire_api = "responses"`, no retries), a throwaway HOME and working directory, a clean
 * environment, and a timeout. It returns what a test checks: the exit code, the JSONL events,
 * the final message, the commands Codex ran, and the errors it reported.
 *
 * Nothing reaches the network but `baseUrl`: telemetry, analytics, feedback, the update check,
 * plugins and apps are off, no MCP server is configured, and commands run in the read-only sandbox
 * (no network for them either).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from '../support/cli-run';

/** The Codex CLI version the suite is written against (`scripts/install-codex.sh` installs it). */
export const CODEX_VERSION = '0.171.0';

/** Set by jest.codex.config.js: the default suite leaves the CLI alone. */
export const IN_CODEX_SUITE = (globalThis as { CODEX_SUITE?: unknown }).CODEX_SUITE === true;

/** `CODEX_THROUGH_ROUTER=1`: run the suites that put the router between Codex and the upstreams. */
export const THROUGH_ROUTER = process.env.CODEX_THROUGH_ROUTER === '1';

/** The environment variable whose value Codex sends as `Authorization: Bearer` (the provider's `env_key`). */
export const CODEX_TOKEN_ENV = 'CODEX_HARNESS_TOKEN';

const REPO_ROOT = join(__dirname, '..', '..');

const PLATFORMS: Record<string, { pkg: string; triple: string }> = {
  'linux-x64': { pkg: 'linux-x64', triple: 'x86_64-unknown-linux-musl' },
  'linux-arm64': { pkg: 'linux-arm64', triple: 'aarch64-unknown-linux-musl' },
  'darwin-x64': { pkg: 'darwin-x64', triple: 'x86_64-apple-darwin' },
  'darwin-arm64': { pkg: 'darwin-arm64', triple: 'aarch64-apple-darwin' },
};

/**
 * The native Codex binary: `CODEX_BIN` when set, else the one `scripts/install-codex.sh` put in
 * `.codex-cli/` (or `CODEX_CLI_DIR`). Throws, saying how to install it, when it is not there.
 */
export function codexBinary(): string {
  if (process.env.CODEX_BIN) return process.env.CODEX_BIN;
  const platform = PLATFORMS[`${process.platform}-${process.arch}`];
  if (!platform) throw new Error(`no Codex CLI build for ${process.platform}-${process.arch}`);
  const dir = process.env.CODEX_CLI_DIR ?? join(REPO_ROOT, '.codex-cli');
  const binary = join(dir, 'node_modules', '@openai', `codex-${platform.pkg}`, 'vendor', platform.triple, 'bin', 'codex');
  if (!existsSync(binary)) throw new Error(`the Codex CLI is not installed at ${binary}: run bash scripts/install-codex.sh`);
  return binary;
}

/** How to run Codex once. */
export interface CodexRunOptions {
  /** The provider's base URL; Codex appends `/responses`. */
  baseUrl: string;
  /** The model id Codex sends (`openai/gpt-5.5`). */
  model: string;
  prompt: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Killed (the whole process group) after this long; 60 s unless given. */
  timeoutMs?: number;
  /** The sandbox commands run in: read-only unless given. */
  sandbox?: 'read-only' | 'workspace-write' | 'danger-full-access';
  /** TOML tables appended to `config.toml` (`[mcp_servers.<name>]`, ...). */
  mcp?: string;
  /** Codex's own retries of a request refused before its stream, and of a stream that failed (none unless given). */
  retries?: { request?: number; stream?: number };
  /** More TOML appended to `config.toml` (top-level keys must come before any table: use dotted keys). */
  extraConfig?: string;
  /** Killed (the whole process group) when this aborts, as a user ends it mid-answer. */
  abort?: AbortSignal;
  /** Pictures attached to the prompt (`--image`). */
  images?: string[];
  /** A JSON Schema file the final message must follow (`--output-schema`). */
  outputSchema?: string;
  /** Keep the throwaway CODEX_HOME and working directory (their paths are in the result). */
  keepDirs?: boolean;
  /**
   * Run in this session's CODEX_HOME and working directory ({@link newCodexSession}), recorded
   * (not `--ephemeral`) so that a later run can resume it; the caller removes it.
   */
  session?: CodexSession;
  /** Resume the session's most recent conversation (`codex exec resume --last`) with the prompt. */
  resume?: boolean;
}

/** A CODEX_HOME, HOME and working directory that several runs share: one developer's session. */
export interface CodexSession {
  root: string;
  home: string;
  userHome: string;
  workDir: string;
}

/** A new session's directories, under one throwaway root (remove `root` when done). */
export function newCodexSession(): CodexSession {
  const root = mkdtempSync(join(tmpdir(), 'codex-run-'));
  const session = { root, home: join(root, 'codex-home'), userHome: join(root, 'home'), workDir: join(root, 'work') };
  for (const dir of [session.home, session.userHome, session.workDir]) mkdirSync(dir);
  return session;
}

/** One line of `codex exec --json`. */
export interface CodexEvent {
  type: string;
  [key: string]: unknown;
}

/** A command Codex ran, from its `command_execution` item. */
export interface CodexCommand {
  command: string;
  output: string;
  exitCode: number | null;
  status: string;
}

/** What one run did. */
export interface CodexRun {
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The JSON lines of stdout, in order. */
  events: CodexEvent[];
  /** The text of the last `agent_message` item; undefined when there was none. */
  finalMessage: string | undefined;
  /** The commands it ran (completed `command_execution` items). */
  commands: CodexCommand[];
  /** The messages of its `error` events and of `turn.failed`. */
  errors: string[];
  /** The messages of `error` items, which do not fail the turn (an unknown model's "Model metadata ... not found"). */
  warnings: string[];
  /** Lines of stdout that were not JSON (there should be none). */
  stdoutNoise: string[];
  stderr: string;
  durationMs: number;
  /** The config.toml it ran with. */
  config: string;
  home: string;
  workDir: string;
}

function tomlString(value: string): string {
  // JSON's string escapes are valid in a TOML basic string.
  return JSON.stringify(value);
}

/** The `config.toml` of a run: one provider at `baseUrl`, and everything that would reach elsewhere off. */
export function codexConfig(options: Pick<CodexRunOptions, 'baseUrl' | 'model' | 'sandbox' | 'extraConfig' | 'retries' | 'mcp'>): string {
  return [
    `model = ${tomlString(options.model)}`,
    'model_provider = "harness"',
    'approval_policy = "never"',
    `sandbox_mode = ${tomlString(options.sandbox ?? 'read-only')}`,
    // A plain `bash -c`, not a login shell reading the machine's profile.
    'allow_login_shell = false',
    'check_for_update_on_startup = false',
    options.extraConfig ?? '',
    '',
    '[model_providers.harness]',
    'name = "express-provider-router test harness"',
    `base_url = ${tomlString(options.baseUrl)}`,
    `env_key = ${tomlString(CODEX_TOKEN_ENV)}`,
    'wire_api = "responses"',
    `request_max_retries = ${options.retries?.request ?? 0}`,
    `stream_max_retries = ${options.retries?.stream ?? 0}`,
    'stream_idle_timeout_ms = 30000',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[otel]',
    'exporter = "none"',
    'trace_exporter = "none"',
    'metrics_exporter = "none"',
    '',
    '[history]',
    'persistence = "none"',
    '',
    '[features]',
    'plugins = false',
    'apps = false',
    'remote_plugin = false',
    'memories = false',
    'tool_suggest = false',
    'shell_snapshot = false',
    '',
    options.mcp ?? '',
  ].join('\n');
}

/** Runs `codex exec` once and resolves when it has exited (or was killed at the timeout). */
export async function runCodex(options: CodexRunOptions): Promise<CodexRun> {
  const binary = codexBinary();
  const { root, home, userHome, workDir } = options.session ?? newCodexSession();
  const config = codexConfig(options);
  writeFileSync(join(home, 'config.toml'), config);

  const images = (options.images ?? []).flatMap((image) => ['--image', image]);
  const args = [
    'exec',
    '--json',
    '--skip-git-repo-check',
    ...(options.session ? [] : ['--ephemeral']),
    '--strict-config',
    '--color',
    'never',
    '--cd',
    workDir,
    ...(options.outputSchema ? ['--output-schema', options.outputSchema] : []),
    ...(options.resume ? ['resume', '--last'] : []),
    ...images,
    '--',
    options.prompt,
  ];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: userHome,
    CODEX_HOME: home,
    [CODEX_TOKEN_ENV]: options.token ?? 'codex-harness-token',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
  };
  const run = await runCli(binary, args, { cwd: workDir, env, timeoutMs: options.timeoutMs ?? 60_000, abort: options.abort });
  if (!options.keepDirs && !options.session) rmSync(root, { recursive: true, force: true });
  const { lines: events, noise: stdoutNoise } = jsonLines<CodexEvent>(run.stdout);
  const { exitCode, signal, timedOut, stderr, durationMs } = run;
  return { exitCode, signal, timedOut, events, stdoutNoise, stderr, durationMs, config, home, workDir, ...readEvents(events) };
}

/** The final message, the commands and the errors of a run's events. */
export function readEvents(events: CodexEvent[]): Pick<CodexRun, 'finalMessage' | 'commands' | 'errors' | 'warnings'> {
  const completed = events.filter((e) => e.type === 'item.completed').map((e) => (e.item ?? {}) as Record<string, unknown>);
  const messages = completed.filter((item) => item.type === 'agent_message').map((item) => String(item.text));
  const commands = completed
    .filter((item) => item.type === 'command_execution')
    .map((item) => ({
      command: String(item.command),
      output: String(item.aggregated_output ?? ''),
      exitCode: typeof item.exit_code === 'number' ? item.exit_code : null,
      status: String(item.status),
    }));
  const errors = events.flatMap((e) => {
    if (e.type === 'error') return [String(e.message)];
    if (e.type === 'turn.failed') return [String((e.error as { message?: unknown } | undefined)?.message)];
    return [];
  });
  const warnings = completed.filter((item) => item.type === 'error').map((item) => String(item.message));
  return { finalMessage: messages[messages.length - 1], commands, errors, warnings };
}

/** A run's story for a failing assertion: exit, errors, events and stderr. */
export function describeRun(run: CodexRun): string {
  return [
    `exit ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${run.timedOut ? ' after the timeout' : ''} in ${run.durationMs} ms`,
    `errors: ${JSON.stringify(run.errors)}`,
    `warnings: ${JSON.stringify(run.warnings)}`,
    'events:',
    ...run.events.map((e) => `  ${JSON.stringify(e)}`),
    ...(run.stdoutNoise.length ? ['stdout noise:', ...run.stdoutNoise] : []),
    'stderr:',
    run.stderr,
  ].join('\n');
}
