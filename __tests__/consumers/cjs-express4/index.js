'use strict';
const assert = require('node:assert/strict');
const express = require('express');
const { createProviderRouter } = require('express-provider-router');
const { startFakeUpstream, listen, checkChatCompletions, deadline } = require('./fake-openai-upstream.cjs');

async function main() {
  const done = deadline();
  assert.equal(require('express/package.json').version.split('.')[0], '4');

  const upstream = await startFakeUpstream();
  const router = createProviderRouter({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl } });
  const ends = [];
  router.telemetry.on('request.end', (event) => ends.push(event));

  // The host parses JSON itself before the router, and has routes of its own under /v1.
  const app = express();
  app.use(express.json({ limit: '200mb' }));
  app.get('/v1/health', (req, res) => res.json({ ok: true }));
  app.use('/v1', router);
  app.use('/api/v1', router);
  const host = await listen(app);
  try {
    for (const mount of ['/v1', '/api/v1']) {
      const sent = await checkChatCompletions(`${host.origin}${mount}/chat/completions`, upstream);
      assert.equal(sent[0].headers.authorization, 'Bearer sk-test');
      assert.equal(sent[0].body.model, 'gpt-4o-mini');
    }
    assert.equal(ends.length, 4);
    for (const e of ends) assert.deepEqual([e.provider, e.status, e.outcome], ['openai', 200, 'ok']);

    const health = await fetch(`${host.origin}/v1/health`);
    assert.deepEqual(await health.json(), { ok: true });
  } finally {
    await host.close();
    await router.close();
    await upstream.close();
  }
  done();
  console.log(`cjs-express4: node ${process.version}, express ${require('express/package.json').version}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
