/**
 * Runs the real Claude Code CLI (pinned by `scripts/install-claude-code.sh`) headless against an
 * Anthropic base URL: `claude -p --output-format stream-json`, with a throwaway HOME and config
 * directory, a clean environment, and a timeout. It returns what a test checks: the exit code, the
 * JSON lines, the final result, the tool results Claude Code saw and the thinking it kept.
 *
 * Nothing reaches the network but `baseUrl`: telemetry, error reporting, the auto-updater and
 * other non-essential traffic are off, and no MCP server is configured. A `ClaudeSession` keeps
 * HOME and the working directory between runs, so that `--continue` picks up the last one.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from '../support/cli-run';

/** The version the suite is pinned to: the one DESIGN.md's measurements were made with. */
export const PINNED_CLAUDE_CODE_VERSION = '2.1.197';
/**
 * The Claude Code version the suite runs (`scripts/install-claude-code.sh` installs it):
 * `CLAUDE_CODE_VERSION` when set (CI runs the suite with the newest version seen too), else the pinned one.
 */
export const CLAUDE_CODE_VERSION = process.env.CLAUDE_CODE_VERSION || PINNED_CLAUDE_CODE_VERSION;

/** Set by jest.claude-code.config.js: the default suite leaves the CLI alone. */
export const IN_CLAUDE_CODE_SUITE = (globalThis as { CLAUDE_CODE_SUITE?: unknown }).CLAUDE_CODE_SUITE === true;

/** The token Claude Code sends: the host's business, never the provider's. */
export const CLAUDE_TOKEN = 'claude-code-client-token-0123456789';

const REPO_ROOT = join(__dirname, '..', '..');

/** The platforms Claude Code ships a native binary for, as `<platform>-<arch>`. */
const PLATFORMS = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']);

/**
 * The native Claude Code binary: `CLAUDE_CODE_BIN` when set, else the one
 * `scripts/install-claude-code.sh` put in `.claude-code-cli/<version>/` (or `CLAUDE_CODE_CLI_DIR`).
 * Throws, saying how to install it, when it is not there.
 */
export function claudeBinary(): string {
  if (process.env.CLAUDE_CODE_BIN) return process.env.CLAUDE_CODE_BIN;
  const platform = `${process.platform}-${process.arch}`;
  if (!PLATFORMS.has(platform)) throw new Error(`no Claude Code build for ${process.platform}-${process.arch}`);
  const dir = process.env.CLAUDE_CODE_CLI_DIR ?? join(REPO_ROOT, '.claude-code-cli', CLAUDE_CODE_VERSION);
  const binary = join(dir, 'node_modules', '@anthropic-ai', `claude-code-${platform}`, 'claude');
  if (!existsSync(binary)) throw new Error(`Claude Code is not installed at ${binary}: run bash scripts/install-claude-code.sh`);
  return binary;
}

/** HOME and working directory kept across runs, for `--continue`. */
export interface ClaudeSession {
  root: string;
  home: string;
  workDir: string;
  /** Removes both. */
  remove(): void;
}

/** A new throwaway HOME and working directory. */
export function newSession(): ClaudeSession {
  const root = mkdtempSync(join(tmpdir(), 'claude-run-'));
  const home = join(root, 'home');
  const workDir = join(root, 'work');
  for (const dir of [home, workDir]) mkdirSync(dir);
  return { root, home, workDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** How to run Claude Code once. */
export interface ClaudeRunOptions {
  /** `ANTHROPIC_BASE_URL`: Claude Code appends `/v1/messages`. */
  baseUrl: string;
  /** The model id Claude Code sends (`openai/gpt-5.5`); empty for its own default. */
  model: string;
  prompt: string;
  /** Its token; sent as `x-api-key` (`ANTHROPIC_API_KEY`) or, with `auth: 'bearer'`, as `Authorization: Bearer` (`ANTHROPIC_AUTH_TOKEN`). */
  token?: string;
  auth?: 'api-key' | 'bearer';
  /** Continue the session's last conversation (`--continue`); needs `session`. */
  continue?: boolean;
  /** HOME and working directory to use (and keep); a throwaway pair unless given. */
  session?: ClaudeSession;
  /** The tools Claude Code may use without asking (`--allowedTools`); `Bash` unless given. */
  allowedTools?: string[];
  /** More environment (`CLAUDE_CODE_MAX_OUTPUT_TOKENS`, ...). */
  env?: Record<string, string>;
  /** Killed (the whole process group) after this long; 60 s unless given. */
  timeoutMs?: number;
  /** Killed (the whole process group) when this aborts, as a user ends it mid-answer. */
  abort?: AbortSignal;
}

/** One line of `--output-format stream-json`. */
export interface ClaudeEvent {
  type: string;
  subtype?: string;
  [key: string]: unknown;
}

/** A content block of an assistant or user message in the stream. */
export interface ClaudeBlock {
  type: string;
  [key: string]: unknown;
}

/** What one run did. */
export interface ClaudeRun {
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The JSON lines of stdout, in order. */
  events: ClaudeEvent[];
  /** The last `result` event; undefined when there was none. */
  result: ClaudeEvent | undefined;
  /** The content blocks of the assistant messages, in order. */
  assistantBlocks: ClaudeBlock[];
  /** The `tool_result` blocks Claude Code sent back. */
  toolResults: ClaudeBlock[];
  /** Lines of stdout that were not JSON (there should be none). */
  stdoutNoise: string[];
  stderr: string;
  durationMs: number;
}

/** Runs `claude -p` once and resolves when it has exited (or was killed at the timeout). */
export async function runClaude(options: ClaudeRunOptions): Promise<ClaudeRun> {
  const binary = claudeBinary();
  if (options.continue && !options.session) throw new Error('--continue needs a session');
  const session = options.session ?? newSession();
  const args = [
    '-p',
    options.prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    ...(options.model ? ['--model', options.model] : []),
    '--allowedTools',
    ...(options.allowedTools ?? ['Bash']),
  ];
  if (options.continue) args.push('--continue');
  const token = options.token ?? 'claude-harness-token';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: session.home,
    CLAUDE_CONFIG_DIR: join(session.home, '.claude'),
    ANTHROPIC_BASE_URL: options.baseUrl,
    [options.auth === 'bearer' ? 'ANTHROPIC_AUTH_TOKEN' : 'ANTHROPIC_API_KEY']: token,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    ...options.env,
  };
  const run = await runCli(binary, args, { cwd: session.workDir, env, timeoutMs: options.timeoutMs ?? 60_000, abort: options.abort });
  if (!options.session) session.remove();
  const { lines: events, noise: stdoutNoise } = jsonLines<ClaudeEvent>(run.stdout);
  const { exitCode, signal, timedOut, stderr, durationMs } = run;
  const blocksOf = (type: string): ClaudeBlock[] =>
    events.filter((e) => e.type === type).flatMap((e) => ((e.message as { content?: unknown } | undefined)?.content ?? []) as ClaudeBlock[]);
  const results = events.filter((e) => e.type === 'result');
  return {
    exitCode,
    signal,
    timedOut,
    events,
    result: results[results.length - 1],
    assistantBlocks: blocksOf('assistant'),
    toolResults: blocksOf('user').filter((block) => typeof block === 'object' && block.type === 'tool_result'),
    stdoutNoise,
    stderr,
    durationMs,
  };
}

/** A run's story for a failing assertion: exit, result, events and stderr. */
export function describeRun(run: ClaudeRun): string {
  return [
    `exit ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${run.timedOut ? ' after the timeout' : ''} in ${run.durationMs} ms`,
    `result: ${JSON.stringify(run.result)}`,
    'events:',
    ...run.events.map((e) => `  ${JSON.stringify(e).slice(0, 2000)}`),
    ...(run.stdoutNoise.length ? ['stdout noise:', ...run.stdoutNoise] : []),
    'stderr:',
    run.stderr,
  ].join('\n');
}

/** Fails with the run's whole story unless Claude Code finished: exit 0, a successful result. */
export function expectSuccess(run: ClaudeRun): void {
  if (run.exitCode !== 0 || run.timedOut || run.result?.subtype !== 'success' || run.result.is_error !== false) {
    throw new Error(`Claude Code failed:\n${describeRun(run)}`);
  }
}
