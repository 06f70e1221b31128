'use strict';
const assert = require('node:assert/strict');
const express = require('express');
const { createProviderRouter, ProviderRouterError } = require('express-provider-router');
const { startFakeUpstream, listen, checkChatCompletions, deadline } = require('./fake-openai-upstream.cjs');

async function main() {
  const done = deadline();
  assert.equal(require('express/package.json').version.split('.')[0], '5');
  assert.equal(typeof createProviderRouter, 'function');
  assert.equal(typeof ProviderRouterError, 'function');
  // The exports map is in force: only the root entry is public.
  assert.throws(() => require('express-provider-router/dist/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });

  const upstream = await startFakeUpstream();
  const router = createProviderRouter({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl } });
  const ends = [];
  router.telemetry.on('request.end', (event) => ends.push(event));
  const app = express();
  app.use('/v1', router);
  const host = await listen(app);
  try {
    const sent = await checkChatCompletions(`${host.origin}/v1/chat/completions`, upstream);
    assert.equal(sent[0].headers.authorization, 'Bearer sk-test');
    assert.equal(sent[0].body.model, 'gpt-4o-mini');
    assert.deepEqual(
      ends.map((e) => [e.provider, e.status, e.outcome]),
      [
        ['openai', 200, 'ok'],
        ['openai', 200, 'ok'],
      ],
    );
    assert.equal(ends[0].usage && ends[0].usage.totalTokens, 14);
  } finally {
    await host.close();
    await router.close();
    await upstream.close();
  }
  done();
  console.log(`cjs-express5: node ${process.version}, express ${require('express/package.json').version}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
