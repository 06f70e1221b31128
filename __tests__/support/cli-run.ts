/**
 * Runs a command-line client (the Codex and Claude Code CLIs) once, in its own process group, with
 * a clean environment and a timeout, and splits its stdout into JSON lines.
 */
import { spawn } from 'node:child_process';

/** How to run the client once. */
export interface CliRunOptions {
  cwd: string;
  /** The whole environment: nothing of the test process's leaks in. */
  env: Record<string, string>;
  /** Killed (the whole process group) after this long. */
  timeoutMs: number;
  /** Killed (the whole process group) when this aborts: a user pressing Ctrl-C, say. */
  abort?: AbortSignal | undefined;
}

/** What the process did. */
export interface CliRun {
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs `binary` with `args` and resolves when it has exited (or was killed at the timeout). */
export async function runCli(binary: string, args: string[], options: CliRunOptions): Promise<CliRun> {
  const started = performance.now();
  // Its own process group, so that a timeout ends the commands it started too.
  const child = spawn(binary, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  /** Kills what is left of the run's process group (only this run's processes: the client and what it started). */
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  options.abort?.addEventListener('abort', killGroup, { once: true });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  }).finally(() => {
    clearTimeout(timer);
    killGroup();
  });
  return { exitCode, signal, timedOut, stdout, stderr, durationMs: Math.round(performance.now() - started) };
}

/** The JSON lines of `stdout`, and the lines that were not JSON. */
export function jsonLines<T>(stdout: string): { lines: T[]; noise: string[] } {
  const lines: T[] = [];
  const noise: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as T);
    } catch {
      noise.push(line);
    }
  }
  return { lines, noise };
}
