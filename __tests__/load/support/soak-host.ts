/**
 * The soak test's router, in a process of its own so that its memory and open handles are the
 * router's alone. Run as `node --expose-gc -r ./ts-require-hook.js soak-host.ts`; driven over IPC:
 * `start` (env) -> `ready` (url); `measure` -> `measured` (memory after GC, open resources,
 * request.end outcomes); `close` -> `closed` (resources left after `router.close()` and the
 * server closing).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RequestOutcome } from '../../../lib';
import { startHost, type Host } from '../../support/host';

export type SoakCommand = { type: 'start'; env: Record<string, string> } | { type: 'measure' } | { type: 'close' };

export interface SoakMeasure {
  type: 'measured';
  memory: NodeJS.MemoryUsage;
  handles: OpenHandles;
  outcomes: Record<RequestOutcome, number>;
}

/** Open handles: those keeping the loop alive, and every file descriptor (unreferenced keep-alive sockets too). */
export interface OpenHandles {
  resources: string[];
  /** What each open descriptor is (`socket:[…]`, a file path, …); empty where /proc is missing. */
  descriptors: string[];
}

export type SoakReply = { type: 'ready'; url: string } | SoakMeasure | { type: 'closed'; before: OpenHandles; after: OpenHandles };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('soak-host runs as a child process with --expose-gc and an IPC channel');

const outcomes: Record<RequestOutcome, number> = { ok: 0, error: 0, aborted: 0 };
let host: Host | undefined;

const reply = (message: SoakReply): void => void process.send!(message);

async function collect(): Promise<void> {
  // Several passes, with turns between them for finalizers and freed sockets.
  for (let pass = 0; pass < 4; pass++) {
    gc!();
    await nextTurn();
  }
}

process.on('message', (command: SoakCommand) => {
  void (async () => {
    if (command.type === 'start') {
      host = await startHost({ env: command.env });
      host.router.telemetry.on('request.end', (event) => outcomes[event.outcome]++);
      reply({ type: 'ready', url: host.url });
    } else if (command.type === 'measure') {
      await collect();
      reply({ type: 'measured', memory: process.memoryUsage(), handles: openHandles(), outcomes });
    } else {
      await host?.close();
      await collect();
      reply({ type: 'closed', before: handlesBefore, after: openHandles() });
      process.disconnect();
    }
  })();
});
// Taken once the IPC channel is listened to (it is unreferenced until then), before the router exists.
const handlesBefore = openHandles();

function openHandles(): OpenHandles {
  let descriptors: string[] = [];
  try {
    descriptors = readdirSync('/proc/self/fd')
      .map((fd) => describeDescriptor(fd))
      .filter((target) => target !== '' && !target.startsWith('/proc/'));
  } catch {
    // Not Linux: the resource list alone has to do.
  }
  return { resources: process.getActiveResourcesInfo(), descriptors };
}

/** `socket:[inode]`, `pipe:[inode]`, a file path; '' for the descriptor the listing itself used. */
function describeDescriptor(fd: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
}
