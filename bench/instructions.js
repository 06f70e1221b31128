'use strict';
// `node bench/instructions.js`: instructions executed per request by the bare proxy and the router,
// under `valgrind --tool=callgrind` (install valgrind first), for four requests: a chat completion
// passed through (non-streamed, then streamed), and a streamed `/messages` and `/responses` request
// that the router translates to chat completions and back; the bare proxy serves the same chat
// completion. Unlike
// time, an instruction count does not depend on what else runs on a shared machine. Each proxy is
// run twice per request kind, serving COUNTS[0] and COUNTS[1] requests with 16 in flight; the
// difference divided by the difference in count leaves out start-up and warm-up. Takes several
// minutes; both proxies are measured at once, one per core. `node bench/instructions.js chat-json`
// measures one kind. The router runs as configured by default: telemetry listener on, no
// conversation log (the bare proxy writes none); BENCH_ROUTER_VARIANT=full adds the log.
const { fork, spawn } = require('node:child_process');
const http = require('node:http');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };
/** Each kind of request: what the router gets, and what the bare proxy gets for the same upstream work. */
const KINDS = {
  'chat-json': { label: 'chat completion, passed through', path: '/v1/chat/completions', body: { ...CHAT, stream: false } },
  'chat-stream': { label: 'chat completion stream, passed through', path: '/v1/chat/completions', body: { ...CHAT, stream: true } },
  'messages-stream': {
    label: '/messages stream, translated to chat completions',
    path: '/v1/messages',
    body: { ...CHAT, max_tokens: 256, stream: true },
    bare: { path: '/v1/chat/completions', body: { ...CHAT, stream: true } },
  },
  'responses-stream': {
    label: '/responses stream, bridged through chat completions',
    path: '/v1/responses',
    body: { model: CHAT.model, input: 'Hello', stream: true },
    bare: { path: '/v1/chat/completions', body: { ...CHAT, stream: true } },
  },
};
const IN_FLIGHT = 16;
const COUNTS = [1000, 3000];

const firstMessage = (child) => new Promise((resolve) => child.once('message', resolve));

/** Sends `count` requests, `IN_FLIGHT` at a time; rejects on any status but 200. */
async function load(url, count, { path, body }) {
  const BODY = Buffer.from(JSON.stringify(body));
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let left = count;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = http.request(`${url}${path}`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': BODY.length },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
      });
      req.end(BODY);
    });
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left-- > 0) await one();
      }),
    );
  } finally {
    agent.destroy();
  }
}

/** Total instructions of one run of `file` serving `count` requests of `request`. */
async function countInstructions(file, count, request, dir) {
  const out = join(dir, `${file}.${count}.${process.hrtime.bigint()}.callgrind`);
  const upstream = fork(join(__dirname, 'fake-upstream.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const upstreamUrl = (await firstMessage(upstream)).url;
  const proxy = spawn(
    'valgrind',
    ['-q', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, join(__dirname, file), upstreamUrl],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, BENCH_ROUTER_VARIANT: process.env.BENCH_ROUTER_VARIANT ?? 'no-log' } },
  );
  const proxyUrl = (await firstMessage(proxy)).url;
  await load(proxyUrl, count, request);
  const exited = new Promise((resolve) => proxy.once('exit', resolve));
  proxy.send({ type: 'stop' });
  await exited;
  upstream.send({ type: 'stop' });
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!summary) throw new Error(`no instruction count in ${out}`);
  return Number(summary[1]);
}

async function perRequest(file, request, dir) {
  const totals = [];
  for (const count of COUNTS) totals.push(await countInstructions(file, count, request, dir));
  return (totals[1] - totals[0]) / (COUNTS[1] - COUNTS[0]);
}

async function main() {
  const names = process.argv.slice(2);
  for (const name of names) if (!KINDS[name]) throw new Error(`unknown request kind ${name}; known: ${Object.keys(KINDS).join(', ')}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'epr-instructions-'));
  const millions = (value) => `${(value / 1e6).toFixed(3)} M`;
  try {
    const variant = process.env.BENCH_ROUTER_VARIANT ?? 'no-log';
    console.log(`instructions per request (callgrind, ${IN_FLIGHT} in flight; router variant ${variant}):`);
    for (const name of names.length > 0 ? names : Object.keys(KINDS)) {
      const kind = KINDS[name];
      const [bare, router] = await Promise.all([perRequest('bare-proxy.js', kind.bare ?? kind, dir), perRequest('router-host.js', kind, dir)]);
      console.log(`  ${kind.label}`);
      console.log(`    bare proxy  ${millions(bare)}`);
      console.log(`    router      ${millions(router)}   ${(router / bare).toFixed(2)}x the bare proxy`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`instructions failed: ${error.stack}\n`);
  process.exit(1);
});
