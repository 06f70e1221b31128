'use strict';
// The router, built (dist/), in an Express host with a telemetry listener and the conversation
// log on, as a production host would run it. BENCH_ROUTER_VARIANT=no-log leaves the log off;
// no-log-no-telemetry leaves the listener off too (`bench/run.js --profile` compares them).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const express = require('express');
const { createProviderRouter } = require('../dist');
const { serve } = require('./serve');

const upstream = process.argv[2];
const variant = process.env.BENCH_ROUTER_VARIANT ?? 'full';
const logDir = mkdtempSync(join(tmpdir(), 'epr-bench-'));
const logFile = join(logDir, 'conversations.jsonl');
const router = createProviderRouter({
  env: {
    OPENAI_API_KEY: 'sk-bench-0123456789abcdefghijklmn',
    OPENAI_BASE_URL: `${upstream}/v1`,
    // The fake upstream serves chat completions only: /responses is bridged through them.
    OPENAI_RESPONSES: 'chat',
    ...(variant === 'full' ? { CONVERSATION_LOG_FILE: logFile } : {}),
    PROVIDER_TIMEOUT_MS: '60000',
    PROVIDER_IDLE_TIMEOUT_MS: '600000',
  },
  logger: { warn: () => undefined, error: () => undefined },
});
const stats = { requests: 0, errors: 0, durationMs: 0 };
if (variant !== 'no-log-no-telemetry') {
  router.telemetry.on('request.end', (event) => {
    stats.requests++;
    if (event.outcome === 'error') stats.errors++;
    stats.durationMs += event.durationMs;
  });
}
const app = express();
app.use('/v1', router);
serve(app, async () => {
  await router.close();
  rmSync(logDir, { recursive: true, force: true });
});
