'use strict';
// What every benchmark server process shares: listen on 127.0.0.1, tell the parent the URL over
// IPC, answer memory (after GC when node runs with --expose-gc) and CPU time questions, stop when
// told.
const http = require('node:http');

/** Serves `handler` and wires the IPC protocol; `onStop` releases what the process holds. */
function serve(handler, onStop = async () => undefined) {
  // A proxy under valgrind runs some fifty times slower: with Node's default 5 s, an idle
  // keep-alive connection could close just as the proxy reuses it (a 502 or 504 in the middle of
  // a measurement).
  const server = http.createServer({ keepAliveTimeout: 60000 }, handler);
  // 1,000 streams connect at once in the memory measurement.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });
  });
  process.on('message', async (message) => {
    if (message.type === 'memory') {
      for (let pass = 0; pass < 3; pass++) {
        if (global.gc) global.gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      process.send({ type: 'memory', memory: process.memoryUsage() });
    } else if (message.type === 'cpu') {
      process.send({ type: 'cpu', cpu: process.cpuUsage() });
    } else if (message.type === 'stop') {
      await onStop();
      server.closeAllConnections();
      server.close();
      process.disconnect();
    }
  });
  return server;
}

module.exports = { serve };
