'use strict';
// `npm run bench`: the router against a bare Express + http-proxy-middleware proxy and the
// upstream itself, each in its own process on 127.0.0.1. Prints a table and writes
// bench/results.json. `node bench/run.js --profile`: the throughput measurement with the bare
// proxy and the router under `node --cpu-prof`, where each spent its time, and what the router's
// conversation log and telemetry listener cost.
const { fork } = require('node:child_process');
const { mkdtempSync, writeFileSync, readdirSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { hasValgrind, measureInstructions } = require('./instructions');
const { sequential, throughput, openHeldStreams, withTimeout } = require('./load');
const { median, printTable, summarize, toJson } = require('./report');

const SETTINGS = {
  warmUpRequests: 300,
  rounds: 8,
  latencyRequestsPerRound: 250,
  firstByteRequestsPerRound: 125,
  throughputConnections: 64,
  throughputWarmUpSeconds: 3,
  throughputSeconds: 4,
  throughputRounds: 8,
  openStreams: 1000,
  translationSeconds: 3,
};

/** The kinds of request (bench/instructions.js) whose instruction counts `npm run bench` compares. */
const INSTRUCTION_KINDS = ['chat-json', 'responses-stream'];

const body = (content, stream) => Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content }] }));
const JSON_REQUEST = body('Hello', false);
const STREAM_REQUEST = body('Hello', true);
const HELD_STREAM = body('hold', true);

/** Forks a bench process and waits for its first message (`ready` with its URL, or a result). */
function start(file, args, { execArgv = [], env = {} } = {}) {
  const child = fork(join(__dirname, file), args, {
    execArgv: ['--expose-gc', ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const first = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return withTimeout(first, 30000, `${file} starting`).then((message) => ({ child, url: message.url, message }));
}

/** Asks a server process for its `memory` or `cpu` figures. */
async function ask(child, type) {
  const reply = await withTimeout(
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send({ type });
    }),
    10000,
    type,
  );
  return reply[type];
}

function stop(child) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.send({ type: 'stop' });
  });
}

/** Throughput at 64 connections, with the CPU time the serving process spent per request. */
async function measureThroughput(target, seconds = SETTINGS.throughputSeconds) {
  const cpuBefore = await ask(target.process, 'cpu');
  const result = await throughput(target.url, JSON_REQUEST, SETTINGS.throughputConnections, seconds * 1000);
  const cpuAfter = await ask(target.process, 'cpu');
  if (result.errors > 0) throw new Error(`${target.name}: ${result.errors} errors at ${SETTINGS.throughputConnections} connections`);
  const cpuMicros = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
  return { rps: result.rps, requests: result.requests, cpuPerRequestUs: cpuMicros / result.requests };
}

/** Alternates the order of the targets from round to round, so that drift hits all alike. */
const inOrder = (targets, round) => (round % 2 === 0 ? targets : [...targets].reverse());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const fake = await start('fake-upstream.js', []);
  const bare = await start('bare-proxy.js', [fake.url]);
  const router = await start('router-host.js', [fake.url]);
  const targets = [
    { name: 'direct', url: fake.url, process: fake.child },
    { name: 'bare', url: bare.url, process: bare.child },
    { name: 'router', url: router.url, process: router.child },
  ];
  const samples = { latency: {}, firstByte: {}, rps: {}, cpuPerRequestUs: {}, memory: {} };
  for (const target of targets) {
    for (const measure of ['latency', 'firstByte', 'rps', 'cpuPerRequestUs']) samples[measure][target.name] = [];
  }

  log('warming up');
  for (const target of targets) {
    await sequential(target.url, JSON_REQUEST, SETTINGS.warmUpRequests);
    await sequential(target.url, STREAM_REQUEST, SETTINGS.warmUpRequests);
    // The concurrent path too: otherwise the first throughput rounds measure the JIT compiler.
    await throughput(target.url, JSON_REQUEST, SETTINGS.throughputConnections, SETTINGS.throughputWarmUpSeconds * 1000);
  }

  log('sequential latency and first streamed byte');
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const target of inOrder(targets, round)) {
      const answers = await sequential(target.url, JSON_REQUEST, SETTINGS.latencyRequestsPerRound);
      samples.latency[target.name].push(...answers.map((answer) => answer.ms));
      const streams = await sequential(target.url, STREAM_REQUEST, SETTINGS.firstByteRequestsPerRound);
      samples.firstByte[target.name].push(...streams.map((answer) => answer.firstByteMs));
    }
  }

  log(`throughput at ${SETTINGS.throughputConnections} connections`);
  for (let round = 0; round < SETTINGS.throughputRounds; round++) {
    for (const target of inOrder(targets, round)) {
      const result = await measureThroughput(target);
      samples.rps[target.name].push(result.rps);
      samples.cpuPerRequestUs[target.name].push(result.cpuPerRequestUs);
    }
  }

  log(`memory of ${SETTINGS.openStreams} open streams`);
  for (const target of targets.filter((candidate) => candidate.name !== 'direct')) {
    const before = await ask(target.process, 'memory');
    const close = await openHeldStreams(target.url, HELD_STREAM, SETTINGS.openStreams, 30000);
    const during = await ask(target.process, 'memory');
    close();
    samples.memory[target.name] = { before, during };
    await sleep(1000);
  }

  log('Anthropic stream translation');
  const translation = (await start('translate-events.js', [String(SETTINGS.translationSeconds * 1000)])).message;

  await Promise.all([stop(bare.child), stop(router.child), stop(fake.child)]);

  let instructions;
  if (hasValgrind()) {
    log(`instructions per request under callgrind, ${INSTRUCTION_KINDS.join(' and ')} (several minutes)`);
    instructions = await measureInstructions(INSTRUCTION_KINDS);
  } else {
    log('valgrind is not installed: the instruction counts are left out');
  }
  const results = summarize(SETTINGS, samples, translation, instructions);
  printTable(results);
  writeFileSync(join(__dirname, 'results.json'), toJson(results));
  log('figures written to bench/results.json');
}

async function profile() {
  const dirs = { bare: mkdtempSync(join(os.tmpdir(), 'epr-profile-bare-')), router: mkdtempSync(join(os.tmpdir(), 'epr-profile-router-')) };
  const fake = await start('fake-upstream.js', []);
  const profiled = [
    { name: 'bare', ...(await start('bare-proxy.js', [fake.url], { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dirs.bare}`] })) },
    { name: 'router', ...(await start('router-host.js', [fake.url], { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dirs.router}`] })) },
  ];
  const served = {};
  for (const target of profiled) {
    target.process = target.child;
    await sequential(target.url, JSON_REQUEST, SETTINGS.warmUpRequests);
    const result = await measureThroughput(target, 2 * SETTINGS.throughputSeconds);
    served[target.name] = SETTINGS.warmUpRequests + result.requests;
    log(`${target.name} under the profiler: ${Math.round(result.rps)} requests/s, ${Math.round(result.cpuPerRequestUs)} us CPU a request`);
  }
  await Promise.all(profiled.map((target) => stop(target.child)));
  for (const [name, dir] of Object.entries(dirs)) {
    console.log(`\n=== ${name} ===`);
    const file = join(
      dir,
      readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile')),
    );
    require('./profile-summary').printSummary(file, served[name]);
  }

  log('what the router costs with and without its conversation log and telemetry listener (no profiler)');
  const variants = [
    { name: 'bare proxy', ...(await start('bare-proxy.js', [fake.url])) },
    { name: 'router', ...(await start('router-host.js', [fake.url])) },
    { name: 'router, no conversation log', ...(await start('router-host.js', [fake.url], { env: { BENCH_ROUTER_VARIANT: 'no-log' } })) },
    { name: 'router, no log, no listener', ...(await start('router-host.js', [fake.url], { env: { BENCH_ROUTER_VARIANT: 'no-log-no-telemetry' } })) },
  ];
  const figures = new Map(variants.map((variant) => [variant.name, []]));
  for (const variant of variants) {
    variant.process = variant.child;
    await sequential(variant.url, JSON_REQUEST, SETTINGS.warmUpRequests);
  }
  // More rounds than the main run: the differences looked for are tens of microseconds.
  const rounds = 2 * SETTINGS.throughputRounds;
  for (let round = 0; round < rounds; round++) {
    for (const variant of inOrder(variants, round)) figures.get(variant.name).push(await measureThroughput(variant));
  }
  await Promise.all([...variants.map((variant) => stop(variant.child)), stop(fake.child)]);
  console.log(`\nat ${SETTINGS.throughputConnections} connections, medians of ${rounds} rounds of ${SETTINGS.throughputSeconds} s:`);
  for (const [name, results] of figures) {
    const rps = median(results.map((r) => r.rps));
    const cpu = median(results.map((r) => r.cpuPerRequestUs));
    console.log(`  ${name.padEnd(30)} ${String(Math.round(rps)).padStart(6)} requests/s   ${String(Math.round(cpu)).padStart(5)} us CPU a request`);
  }
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

(process.argv.includes('--profile') ? profile() : main()).catch((error) => {
  process.stderr.write(`bench failed: ${error.stack}\n`);
  process.exit(1);
});
