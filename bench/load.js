'use strict';
// The benchmark's own HTTP client: keep-alive agents, one request at a time or a fixed number of
// connections for a fixed time. Every loop here is bounded by a count and a deadline.
const http = require('node:http');

const PATH = '/v1/chat/completions';

/** One POST; resolves with its status, total time and time to the first body byte. */
function timedRequest(baseUrl, payload, agent) {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const req = http.request(`${baseUrl}${PATH}`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let firstByteMs;
      let bytes = 0;
      res.on('data', (chunk) => {
        firstByteMs ??= performance.now() - startedAt;
        bytes += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - startedAt, firstByteMs, bytes }));
    });
    req.end(payload);
  });
}

/** `count` requests one after another over one keep-alive connection. */
async function sequential(baseUrl, payload, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const results = [];
  try {
    for (let i = 0; i < count; i++) {
      const result = await timedRequest(baseUrl, payload, agent);
      if (result.status !== 200) throw new Error(`${baseUrl} answered ${result.status}`);
      results.push(result);
    }
  } finally {
    agent.destroy();
  }
  return results;
}

/** Requests per second with `connections` requests always in flight, for `durationMs`. */
async function throughput(baseUrl, payload, connections, durationMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  let completed = 0;
  let errors = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const result = await timedRequest(baseUrl, payload, agent);
        if (result.status === 200) completed++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return { requests: completed, errors, seconds, rps: completed / seconds };
}

/**
 * Opens `count` streams that the upstream holds open after its first frame; resolves once every
 * one has received that frame, with a function that closes them all.
 */
async function openHeldStreams(baseUrl, payload, count, timeoutMs) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: count + 16 });
  const requests = [];
  // 100 connects at a time, so that listen backlogs do not overflow.
  for (let start = 0; start < count; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 100); i++) {
      batch.push(
        new Promise((resolve, reject) => {
          const req = http.request(`${baseUrl}${PATH}`, {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': payload.length },
          });
          requests.push(req);
          req.on('error', (error) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
          req.on('response', (res) => res.once('data', () => resolve()));
          req.end(payload);
        }),
      );
    }
    await withTimeout(Promise.all(batch), timeoutMs, `streams ${start}..${start + 99} opening`);
  }
  return () => {
    for (const req of requests) req.destroy();
    agent.destroy();
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

module.exports = { sequential, throughput, openHeldStreams, withTimeout };
