import assert from 'node:assert/strict';
import express from 'express';
import { version as expressVersion } from 'express/package.json';
import { createProviderRouter, type ProviderRouter, type TokenUsage } from 'express-provider-router';
import { checkChatCompletions, deadline, listen, startFakeUpstream } from './fake-openai-upstream.cjs';

async function main(): Promise<void> {
  const done = deadline();
  assert.equal(expressVersion.split('.')[0], '4');
  const upstream = await startFakeUpstream();
  const router: ProviderRouter = createProviderRouter({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl } });
  const usages: Array<TokenUsage | undefined> = [];
  router.telemetry.on('request.end', (e) => usages.push(e.usage));

  // Express 4's types accept the router as middleware, before and after the host's body parser.
  const app = express();
  app.use(express.json({ limit: '200mb' }));
  app.use('/v1', router);
  const host = await listen(app);
  try {
    const sent = await checkChatCompletions(`${host.origin}/v1/chat/completions`, upstream);
    assert.equal(sent[0]?.headers.authorization, 'Bearer sk-test');
    assert.equal(usages.length, 2);
    assert.equal(usages[0]?.totalTokens, 14);
  } finally {
    await host.close();
    await router.close();
    await upstream.close();
  }
  done();
  console.log(`ts-node10-express4: node ${process.version}, express ${expressVersion}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
