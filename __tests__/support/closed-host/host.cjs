'use strict';
// A process holding only a llama-server stand-in, the router (the build in dist/) and a host server.
// It serves one chat completion and one model list, then closes the servers and the router and
// does NOT call process.exit: closed-host tests assert that it exits by itself, and that close()
// ended the router's keep-alive connections to the stand-in (it reports how many are left).
const http = require('node:http');
const express = require('express');
const { createProviderRouter } = require('express-provider-router');

const llama = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url.endsWith('/models')) return res.end(JSON.stringify({ object: 'list', data: [{ id: 'qwen', object: 'model' }] }));
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'qwen',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      }),
    );
  });
});

// Held open far longer than the test waits: only the router's close() ends its connections in time.
llama.keepAliveTimeout = 60_000;

/** How many connections `server` still has once they all closed, or after `ms`. */
async function connectionsAfter(server, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const count = await new Promise((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
    if (count === 0 || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function main() {
  const llamaPort = await listen(llama);
  const router = createProviderRouter({ env: { LOCAL_BASE_URL: `http://127.0.0.1:${llamaPort}/v1` } });
  const app = express();
  app.use('/v1', router);
  const server = http.createServer(app);
  const port = await listen(server);
  const agent = new http.Agent({ keepAlive: false });
  const post = (path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });
  const statuses = [await post('/v1/chat/completions', { model: 'qwen', messages: [{ role: 'user', content: 'hi' }] }), await post('/v1/models')];
  server.closeAllConnections();
  server.close();
  await router.close();
  // The stand-in's keep-alive connections close only when the router's agents let them go.
  const openConnections = await connectionsAfter(llama, 2000);
  llama.close();
  process.stdout.write(JSON.stringify({ statuses, openConnections }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
