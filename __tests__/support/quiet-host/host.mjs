// The same host as an ES module on Express 5, importing the package by name.
import express from 'express';
import { createProviderRouter } from 'express-provider-router';

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
