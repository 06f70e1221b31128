'use strict';
// `node bench/instructions.js`: instructions executed per non-streamed request by the bare proxy
// and the router, under `valgrind --tool=callgrind` (install valgrind first). Unlike time, an
// instruction count does not depend on what else runs on a shared machine. Each proxy is run twice,
// serving 1,500 and 4,500 requests with 16 in flight; the difference divided by 3,000 leaves out
// start-up and warm-up. Takes a few minutes; both proxies are measured at once, one per core.
const { fork, spawn } = require('node:child_process');
const http = require('node:http');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');

const BODY = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: 'Hello' }] }));
const IN_FLIGHT = 16;
const COUNTS = [1500, 4500];

const firstMessage = (child) => new Promise((resolve) => child.once('message', resolve));

/** Sends `count` requests, `IN_FLIGHT` at a time; rejects on any status but 200. */
async function load(url, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let left = count;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = http.request(`${url}/v1/chat/completions`, {
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

/** Total instructions of one run of `file` serving `count` requests. */
async function countInstructions(file, count, dir) {
  const out = join(dir, `${file}.${count}.callgrind`);
  const upstream = fork(join(__dirname, 'fake-upstream.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const upstreamUrl = (await firstMessage(upstream)).url;
  const proxy = spawn(
    'valgrind',
    ['-q', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath, join(__dirname, file), upstreamUrl],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const proxyUrl = (await firstMessage(proxy)).url;
  await load(proxyUrl, count);
  const exited = new Promise((resolve) => proxy.once('exit', resolve));
  proxy.send({ type: 'stop' });
  await exited;
  upstream.send({ type: 'stop' });
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!summary) throw new Error(`no instruction count in ${out}`);
  return Number(summary[1]);
}

async function perRequest(file, dir) {
  const totals = [];
  for (const count of COUNTS) totals.push(await countInstructions(file, count, dir));
  return (totals[1] - totals[0]) / (COUNTS[1] - COUNTS[0]);
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'epr-instructions-'));
  try {
    const [bare, router] = await Promise.all([perRequest('bare-proxy.js', dir), perRequest('router-host.js', dir)]);
    const millions = (value) => `${(value / 1e6).toFixed(3)} M`;
    console.log(`instructions per non-streamed request (callgrind, ${IN_FLIGHT} in flight):`);
    console.log(`  bare proxy  ${millions(bare)}`);
    console.log(`  router      ${millions(router)}   ${(router / bare).toFixed(2)}x the bare proxy`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`instructions failed: ${error.stack}\n`);
  process.exit(1);
});
