import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import express from 'express';
// Named imports from the CommonJS build: Node finds them with cjs-module-lexer, or this line fails to link.
import { createProviderRouter, defineProvider, instrumentOpenTelemetry } from 'express-provider-router';
import * as namespace from 'express-provider-router';
import { startFakeUpstream, listen, checkChatCompletions, deadline } from './fake-openai-upstream.cjs';

const done = deadline();
const require = createRequire(import.meta.url);
assert.equal(require('express/package.json').version.split('.')[0], '5');
assert.equal(typeof defineProvider, 'function');
assert.equal(typeof instrumentOpenTelemetry, 'function');

// Every export of the CommonJS build is a named export for ESM, not only the ones imported above.
// (Node 23+ also lists the CommonJS module itself as 'module.exports'.)
const notNamed = new Set(['default', '__esModule', 'module.exports']);
const cjsExports = Object.keys(require('express-provider-router')).filter((name) => !notNamed.has(name));
const esmExports = Object.keys(namespace).filter((name) => !notNamed.has(name));
assert.deepEqual(esmExports.sort(), cjsExports.sort());

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
console.log(`esm-express5: node ${process.version}, express ${require('express/package.json').version}, ${esmExports.length} named exports`);
