import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
import { createProviderRouter } from 'express-provider-router';
import { startFakeUpstream, listen, checkChatCompletions, deadline } from './fake-openai-upstream.cjs';

const done = deadline();
const require = createRequire(import.meta.url);
assert.equal(require('express/package.json').version.split('.')[0], '4');

const upstream = await startFakeUpstream();
const router = createProviderRouter({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl } });
const ends = [];
router.telemetry.on('request.end', (event) => ends.push(event));
const app = express();
app.use(express.json());
app.use('/v1', router);
const host = await listen(app);
try {
  const sent = await checkChatCompletions(`${host.origin}/v1/chat/completions`, upstream);
  assert.equal(sent[0].headers.authorization, 'Bearer sk-test');
  assert.deepEqual(
    ends.map((e) => [e.provider, e.status, e.outcome]),
    [
      ['openai', 200, 'ok'],
      ['openai', 200, 'ok'],
    ],
  );
} finally {
  await host.close();
  await router.close();
  await upstream.close();
}
done();
console.log(`esm-express4: node ${process.version}, express ${require('express/package.json').version}`);
