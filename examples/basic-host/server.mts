/**
 * An existing-style Express chat backend with the router mounted at /v1 and /api/v1.
 * Run: npm run build, then node examples/basic-host/server.mts (Node 22.18 and later run TypeScript
 * as it is; on 22.15-22.17 add --experimental-strip-types). In a project of your own, install
 * `cors` too (a dev dependency of this repository), or leave it out.
 */
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express from 'express';
import { createProviderRouter, type RequestEndEvent } from 'express-provider-router';

const app = express();
app.use(cors());
app.use(express.json({ limit: '200mb' }));

const router = createProviderRouter();
app.use('/v1', router);
app.use('/api/v1', router);

const recent: RequestEndEvent[] = [];
router.telemetry.on('request.end', (event) => {
  recent.push(event);
  if (recent.length > 100) recent.shift();
});
app.get('/api/stats', (_req, res) => {
  res.json(recent);
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => {
  // The port listened on, not the one asked for: PORT=0 picks a free one.
  const { port: listening } = server.address() as AddressInfo;
  console.log(`chat backend on http://127.0.0.1:${listening}/v1`);
});
process.on('SIGTERM', () => {
  server.close();
  void router.close();
});
