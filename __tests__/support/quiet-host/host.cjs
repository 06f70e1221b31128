'use strict';
// A host as a CommonJS app on Express 4 would write it: express.json() first, the router from the
// package's own entry point (the build in dist/), everything read from process.env. Started by
// quiet-host.test.ts with the Node under test; it reports its port over IPC and stops on 'stop'.
const express = require('express4');
const { createProviderRouter } = require('express-provider-router');

if (process.env.QUIET_HOST_SELF_CHECK === 'deprecated-api') require('node:util')._extend({}, {});

const app = express();
app.use(express.json({ limit: '200mb' }));
const router = createProviderRouter();
app.use('/v1', router);
app.use((req, res) => res.status(404).json({ host: 'not found' }));
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', async (message) => {
  if (message !== 'stop') return;
  server.closeAllConnections();
  server.close();
  await router.close();
  process.disconnect();
});
