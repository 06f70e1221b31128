'use strict';
// `node bench/instructions.js`: instructions executed per request by the bare proxy and the router,
// under `valgrind --tool=callgrind` (install valgrind first), for four requests: a chat completion
// passed through (non-streamed, then streamed), and a streamed `/messages` and `/responses` request
// that the router translates to chat completions and back; the bare proxy serves the same chat
// completion. Unlike time, an instruction count does not depend on what else runs on a shared
// machine. Each proxy is run twice per request kind, serving COUNTS[0] and COUNTS[1] requests with
// 16 in flight; the difference divided by the difference in count leaves out start-up. Takes
// several minutes; both proxies are measured at once, one per core. `node bench/instructions.js
// chat-json` measures one kind; `npm run bench` measures two with it (`measureInstructions`). The
// router runs as configured by default: telemetry listener on, no conversation log (the bare proxy
// writes none); BENCH_ROUTER_VARIANT=full adds the log.
//
// Warm-up does not cancel out entirely: V8 still optimizes functions (TurboFan, Maglev, on their
// own threads) thousands of requests in, the more the more code a process runs. Those compiler jobs
// are counted apart (`compilerJobs`), so the steady-state cost can be read beside the total.
const { execFileSync, fork, spawn } = require('node:child_process');
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

/** Instructions of one run of `file` serving `count` requests of `request`: in all, and in compiler jobs. */
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
  return { total: Number(summary[1]), compilerJobs: compilerJobInstructions(out) };
}

/** V8's background optimizing-compiler jobs, by the functions each job thread runs. */
const COMPILER_JOBS = ['OptimizingCompileTaskExecutor::CompileTask::Run', 'MaglevConcurrentDispatcher::JobTask::Run'];

/** Instructions spent inside the compiler jobs of one callgrind run (inclusive of what they call). */
function compilerJobInstructions(file) {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  let sum = 0;
  for (const job of COMPILER_JOBS) {
    const line = annotated.split('\n').find((candidate) => candidate.includes(`::${job}(`));
    if (line) sum += Number(line.trim().split(/\s+/)[0].replace(/,/g, ''));
  }
  return sum;
}

/** Instructions of one request of `request` served by `file`: in all, and in compiler jobs. */
async function perRequest(file, request, dir) {
  const runs = [];
  for (const count of COUNTS) runs.push(await countInstructions(file, count, request, dir));
  const per = (field) => (runs[1][field] - runs[0][field]) / (COUNTS[1] - COUNTS[0]);
  return { total: per('total'), compilerJobs: per('compilerJobs') };
}

/**
 * Measures each kind in `names` (all when empty) for both proxies; resolves to
 * `{ kind: { label, bare, router, ratio, steadyRatio } }`, each proxy as `{ total, compilerJobs }`
 * instructions per request, `steadyRatio` the ratio outside the compiler jobs.
 */
async function measureInstructions(names = []) {
  for (const name of names) if (!KINDS[name]) throw new Error(`unknown request kind ${name}; known: ${Object.keys(KINDS).join(', ')}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'epr-instructions-'));
  const results = {};
  try {
    for (const name of names.length > 0 ? names : Object.keys(KINDS)) {
      const kind = KINDS[name];
      const [bare, router] = await Promise.all([perRequest('bare-proxy.js', kind.bare ?? kind, dir), perRequest('router-host.js', kind, dir)]);
      const steady = (proxy) => proxy.total - proxy.compilerJobs;
      results[name] = { label: kind.label, bare, router, ratio: router.total / bare.total, steadyRatio: steady(router) / steady(bare) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Whether valgrind and its callgrind_annotate can be run here. */
function hasValgrind() {
  return ['valgrind', 'callgrind_annotate'].every((command) => {
    try {
      execFileSync(command, ['--version'], { stdio: 'ignore' });
      return true;
    } catch (error) {
      // callgrind_annotate prints its version and exits 255: only a command that is not there is missing.
      return error.code !== 'ENOENT';
    }
  });
}

/** Lines that show `results` of {@link measureInstructions}. */
function instructionLines(results) {
  const millions = (value) => `${(value / 1e6).toFixed(3)} M`;
  const lines = [];
  for (const { label, bare, router, ratio, steadyRatio } of Object.values(results)) {
    lines.push(`  ${label}`);
    lines.push(`    bare proxy  ${millions(bare.total)}   (${millions(bare.compilerJobs)} in V8's compiler jobs)`);
    lines.push(
      `    router      ${millions(router.total)}   (${millions(router.compilerJobs)} in V8's compiler jobs)   ${ratio.toFixed(2)}x the bare proxy, ${steadyRatio.toFixed(2)}x outside the compiler jobs`,
    );
  }
  return lines;
}

async function main() {
  const variant = process.env.BENCH_ROUTER_VARIANT ?? 'no-log';
  console.log(`instructions per request (callgrind, ${IN_FLIGHT} in flight; router variant ${variant}):`);
  for (const line of instructionLines(await measureInstructions(process.argv.slice(2)))) console.log(line);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`instructions failed: ${error.stack}\n`);
    process.exit(1);
  });
}

module.exports = { measureInstructions, hasValgrind, instructionLines };
