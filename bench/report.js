'use strict';
// Turns the benchmark's samples into figures, checks them against issue 7's targets (and issue
// 18's instruction ratio, when valgrind measured it), and prints them as a table.
const os = require('node:os');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const round = (value, digits = 3) => Number(value.toFixed(digits));

/**
 * The median over rounds of (a's round median - b's round median): each round measures the
 * targets back to back, so a difference taken within a round is taken under one machine load.
 * Each target's samples are stored round after round, `perRound` at a time.
 */
function pairedDifference(a, b, perRound) {
  const rounds = a.length / perRound;
  const differences = [];
  for (let r = 0; r < rounds; r++) {
    const slice = (values) => values.slice(r * perRound, (r + 1) * perRound);
    differences.push(median(slice(a)) - median(slice(b)));
  }
  return round(median(differences));
}

function summarize(settings, samples, translation, instructions) {
  const latency = {};
  const firstByte = {};
  const rps = {};
  const cpu = {};
  for (const name of Object.keys(samples.latency)) {
    latency[name] = { median: round(median(samples.latency[name])), p90: round(quantile(samples.latency[name], 0.9)) };
    firstByte[name] = { median: round(median(samples.firstByte[name])), p90: round(quantile(samples.firstByte[name], 0.9)) };
    rps[name] = { median: round(median(samples.rps[name]), 0), rounds: samples.rps[name].map((value) => round(value, 0)) };
    cpu[name] = round(median(samples.cpuPerRequestUs[name]), 0);
  }
  const overhead = (measure, perRound, name) => pairedDifference(samples[measure][name], samples[measure].direct, perRound);
  const memory = {};
  for (const [name, { before, during }] of Object.entries(samples.memory)) {
    memory[name] = {
      rssBeforeMb: round(before.rss / 2 ** 20, 1),
      rssOpenMb: round(during.rss / 2 ** 20, 1),
      perStreamKb: round((during.rss - before.rss) / settings.openStreams / 1024, 1),
      heapPerStreamKb: round((during.heapUsed - before.heapUsed) / settings.openStreams / 1024, 1),
    };
  }
  const figures = {
    latencyMs: latency,
    latencyOverheadMs: {
      bare: overhead('latency', settings.latencyRequestsPerRound, 'bare'),
      router: overhead('latency', settings.latencyRequestsPerRound, 'router'),
    },
    latencyRouterMinusBareMs: pairedDifference(samples.latency.router, samples.latency.bare, settings.latencyRequestsPerRound),
    firstByteMs: firstByte,
    firstByteOverheadMs: {
      bare: overhead('firstByte', settings.firstByteRequestsPerRound, 'bare'),
      router: overhead('firstByte', settings.firstByteRequestsPerRound, 'router'),
    },
    requestsPerSecond: rps,
    // Each round measures the bare proxy and the router back to back, so a round's ratio is
    // taken under one machine load; the median of those ratios is steadier than a ratio of medians
    // on a shared machine.
    throughputRatio: round(median(samples.rps.router.map((value, i) => value / samples.rps.bare[i]))),
    throughputRatioRounds: samples.rps.router.map((value, i) => round(value / samples.rps.bare[i])),
    cpuPerRequestUs: cpu,
    openStreams: memory,
    translation: { eventsPerSecond: round(translation.eventsPerSecond, 0), events: translation.events, seconds: round(translation.seconds, 2) },
    instructionsPerRequest: instructions && instructionFigures(instructions),
  };
  const targets = [
    target('router latency overhead <= bare proxy overhead + 0.15 ms (router - bare)', figures.latencyRouterMinusBareMs, 0.15, 'ms', 'max'),
    target('router throughput >= 0.9 x bare proxy', figures.throughputRatio, 0.9, 'x', 'min'),
    target('router first-byte overhead <= 1 ms', figures.firstByteOverheadMs.router, 1, 'ms', 'max'),
    target('router memory per open stream <= 64 KB', memory.router.perStreamKb, 64, 'KB', 'max'),
    target('Anthropic translated events/s >= 50,000', figures.translation.eventsPerSecond, 50000, '/s', 'min'),
  ];
  const bridged = figures.instructionsPerRequest?.['responses-stream'];
  if (bridged)
    targets.push(target('/responses stream bridged through chat completions <= 1.4 x bare proxy instructions', bridged.ratio, 1.4, 'x', 'max'));
  return {
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadAverage: os.loadavg().map((value) => round(value, 2)),
    },
    settings,
    figures,
    targets,
  };
}

/** Per kind: millions of instructions a request (in all, and in V8's compiler jobs) and the router/bare ratios. */
function instructionFigures(instructions) {
  const millions = (value) => round(value / 1e6);
  const proxy = ({ total, compilerJobs }) => ({ millions: millions(total), compilerJobsMillions: millions(compilerJobs) });
  const figures = {};
  for (const [name, { label, bare, router, ratio, steadyRatio }] of Object.entries(instructions)) {
    figures[name] = { label, bare: proxy(bare), router: proxy(router), ratio: round(ratio), ratioOutsideCompilerJobs: round(steadyRatio) };
  }
  return figures;
}

function target(name, value, limit, unit, kind) {
  return { name, value: round(value), limit: round(limit), unit, met: kind === 'max' ? value <= limit : value >= limit };
}

function printTable(results) {
  const f = results.figures;
  const ms = (value) => value.toFixed(3);
  const signed = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;
  const rows = [
    ['', 'direct', 'bare proxy', 'router', 'router - bare'],
    [
      'median latency, sequential JSON (ms)',
      ms(f.latencyMs.direct.median),
      ms(f.latencyMs.bare.median),
      ms(f.latencyMs.router.median),
      signed(f.latencyMs.router.median - f.latencyMs.bare.median),
    ],
    [
      '  overhead over direct, paired per round (ms)',
      '',
      signed(f.latencyOverheadMs.bare),
      signed(f.latencyOverheadMs.router),
      signed(f.latencyRouterMinusBareMs),
    ],
    [
      'median first streamed byte (ms)',
      ms(f.firstByteMs.direct.median),
      ms(f.firstByteMs.bare.median),
      ms(f.firstByteMs.router.median),
      signed(f.firstByteMs.router.median - f.firstByteMs.bare.median),
    ],
    ['  overhead over direct, paired per round (ms)', '', signed(f.firstByteOverheadMs.bare), signed(f.firstByteOverheadMs.router), ''],
    [
      `requests/s at ${results.settings.throughputConnections} connections`,
      String(f.requestsPerSecond.direct.median),
      String(f.requestsPerSecond.bare.median),
      String(f.requestsPerSecond.router.median),
      `${f.throughputRatio.toFixed(2)}x (paired)`,
    ],
    [
      '  CPU time of the serving process a request (us)',
      String(f.cpuPerRequestUs.direct),
      String(f.cpuPerRequestUs.bare),
      String(f.cpuPerRequestUs.router),
      `${(f.cpuPerRequestUs.router / f.cpuPerRequestUs.bare).toFixed(2)}x`,
    ],
    [
      `RSS with ${results.settings.openStreams} open streams (MB)`,
      '',
      `${f.openStreams.bare.rssBeforeMb} -> ${f.openStreams.bare.rssOpenMb}`,
      `${f.openStreams.router.rssBeforeMb} -> ${f.openStreams.router.rssOpenMb}`,
      '',
    ],
    [
      '  per open stream (KB)',
      '',
      String(f.openStreams.bare.perStreamKb),
      String(f.openStreams.router.perStreamKb),
      (f.openStreams.router.perStreamKb - f.openStreams.bare.perStreamKb).toFixed(1),
    ],
    [
      '  of it JS heap per open stream (KB)',
      '',
      String(f.openStreams.bare.heapPerStreamKb),
      String(f.openStreams.router.heapPerStreamKb),
      (f.openStreams.router.heapPerStreamKb - f.openStreams.bare.heapPerStreamKb).toFixed(1),
    ],
    ['Anthropic stream events translated/s, one core', '', '', String(f.translation.eventsPerSecond), ''],
  ];
  for (const kind of Object.values(f.instructionsPerRequest ?? {})) {
    rows.push([
      `instructions a request (M): ${kind.label}`,
      '',
      String(kind.bare.millions),
      String(kind.router.millions),
      `${kind.ratio.toFixed(2)}x`,
    ]);
    rows.push([
      "  outside V8's optimizing-compiler jobs (M)",
      '',
      (kind.bare.millions - kind.bare.compilerJobsMillions).toFixed(3),
      (kind.router.millions - kind.router.compilerJobsMillions).toFixed(3),
      `${kind.ratioOutsideCompilerJobs.toFixed(2)}x`,
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   ');
  console.log(`\n${line(rows[0])}`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('\ntargets:');
  for (const t of results.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.name}: ${t.value} ${t.unit} (limit ${t.limit})`);
  console.log(
    `\n${results.environment.node}, ${results.environment.cpus} CPUs (${results.environment.cpuModel}), load average ${results.environment.loadAverage.join(' ')}`,
  );
}

/** JSON as Prettier writes it (`npm run lint` checks the committed results): short arrays on one line. */
function toJson(results) {
  return `${JSON.stringify(results, null, 2).replace(/\[\s+([^[\]{}]*?)\s+\]/g, (_, items) => `[${items.split(/,\s+/).join(', ')}]`)}\n`;
}

module.exports = { median, summarize, printTable, toJson };
