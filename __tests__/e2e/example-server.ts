import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'examples', 'chat-app', 'server.js');

/** Variables of the router and the example that must not leak in from the developer's shell. */
const OWN_VARIABLE = /^(OPENAI_|OPENROUTER_|ANTHROPIC_|LOCAL_|PROVIDER_|CONVERSATION_LOG_FILE$|OPENAI_COMPATIBLE_PROVIDERS$|DEMO_|HOST$|PORT$)/;

export interface ExampleServer {
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node examples/chat-app/server.js` on a free port with only `env` configuring it. */
export async function startExampleServer(env: Record<string, string>): Promise<ExampleServer> {
  const baseEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !OWN_VARIABLE.test(name)) baseEnv[name] = value;
  const child = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    env: { ...baseEnv, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the example did not start within 15 s:\n${output}`)), 15_000);
    const onData = (): void => {
      const match = /Chat app ready: (http:\/\/\S+)/.exec(output);
      if (match) {
        cleanup();
        resolve(match[1]!.replace(/\/$/, ''));
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`the example exited (${code}) before it was ready:\n${output}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error: Error): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout!.on('data', onData);
    child.on('exit', onExit);
  });

  return { url, output: () => output, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
