/**
 * A host run as a process of its own on the Node that runs the suite, for what only a process
 * shows: its stderr. The script reports its port over IPC (`process.send({ port })`) and stops on
 * the message 'stop'.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** A host process that is listening. */
export interface RunningHost {
  origin: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Asks the process to stop, and resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts `script` with only `PATH` and `env` in its environment, and resolves once it listens. */
export async function startHostProcess(script: string, env: Record<string, string>): Promise<RunningHost> {
  const child: ChildProcess = fork(script, {
    env: { PATH: process.env.PATH ?? '', ...env },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)} before listening: ${stderr}`)));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: async () => {
      child.send('stop');
      await exited;
    },
  };
}
