'use strict';
// Summarizes a V8 .cpuprofile: where a process spent its busy time, by function (self time), by
// area (self time: socket writes, GC, Node's HTTP, Express, http-proxy, the package, its log...)
// and inclusively for the package's own functions (dist/). Given the number of requests served,
// it also reports each area in microseconds a request. Start-up (module loading) is left out.
// `node bench/profile-summary.js FILE [REQUESTS]`
const { readFileSync } = require('node:fs');

/** Self time is charged to the first area whose rule matches the sampled frame. */
const AREAS = [
  [
    'socket writes (native writev/write)',
    (f) => !f.url && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString)$/.test(f.functionName),
  ],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  [
    'conversation log (winston, logform, file stream)',
    (f) =>
      /node_modules\/(winston|winston-transport|logform|readable-stream|safe-stable-stringify|@colors|triple-beam|fecha|one-time|kuler|colorspace|text-hex)\/|node:internal\/fs\/streams/.test(
        f.url,
      ),
  ],
  [
    'http-proxy, http-proxy-middleware',
    (f) => /node_modules\/(http-proxy|http-proxy-middleware|eventemitter3|requires-port|follow-redirects)\//.test(f.url),
  ],
  [
    'Express (express, router, ...)',
    (f) =>
      /node_modules\/(express|router|body-parser|finalhandler|parseurl|path-to-regexp|qs|send|serve-static|debug|ms|depd|on-finished|type-is|content-type|mime-types|accepts|vary|cookie)\//.test(
        f.url,
      ),
  ],
  ['the package (dist/)', (f) => /(^|\/)dist\//.test(f.url) && !f.url.includes('node_modules')],
  ["Node's HTTP, net, streams, events", (f) => /^node:/.test(f.url)],
  ['other native (JSON, program, ...)', () => true],
];

function printSummary(file, requests, top = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackOf = (id) => {
    const frames = [];
    for (let current = id; current !== undefined; current = parentOf.get(current)) frames.push(byId.get(current).callFrame);
    return frames;
  };
  const self = new Map();
  const areas = new Map(AREAS.map(([name]) => [name, 0]));
  const inclusive = new Map();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const frame = byId.get(id).callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      return;
    }
    const stack = stackOf(id);
    if (stack.some((f) => f.url === 'node:internal/main/run_main_module' || f.url === 'node:internal/modules/cjs/loader')) return;
    busy += micros;
    add(self, functionKey(frame), micros);
    const area = AREAS.find(([, matches]) => matches(frame))[0];
    add(areas, area, micros);
    const seen = new Set();
    for (const f of stack) {
      const key = functionKey(f);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key, micros);
      }
    }
  });

  const perRequest = (micros) => (requests ? `  ${(micros / requests).toFixed(1).padStart(6)} us/request` : '');
  const print = (title, map, filter = () => true, count = top) => {
    console.log(`\n${title}`);
    const rows = [...map]
      .filter(([key]) => filter(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count);
    for (const [key, micros] of rows) console.log(`  ${((100 * micros) / busy).toFixed(1).padStart(5)}%${perRequest(micros)}  ${key}`);
  };
  console.log(
    `\n${file}\n${((busy + idle) / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s busy serving${requests ? ` ${requests} requests (${(busy / requests).toFixed(1)} us each)` : ''}`,
  );
  print('self time by area', areas, () => true, AREAS.length);
  print('self time by function', self);
  print('inclusive time, the package (dist/)', inclusive, (key) => key.split('  ')[1].startsWith('dist/'));
  return { busy, areas: Object.fromEntries(areas) };
}

function functionKey(callFrame) {
  const where = callFrame.url ? `${shorten(callFrame.url)}:${callFrame.lineNumber + 1}` : '(native)';
  return `${callFrame.functionName || '(anonymous)'}  ${where}`;
}

function shorten(url) {
  const path = url.replace(/^file:\/\//, '');
  if (path.includes('/node_modules/')) return path.replace(/^.*\/node_modules\//, 'node_modules/');
  return path.replace(/^.*\/dist\//, 'dist/');
}

function add(map, key, value) {
  map.set(key, (map.get(key) ?? 0) + value);
}

module.exports = { printSummary };
if (require.main === module) printSummary(process.argv[2], Number(process.argv[3]) || undefined);
