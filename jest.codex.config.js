const base = require('./jest.base');

/**
 * The Codex suite: the real Codex CLI (installed by `bash scripts/install-codex.sh`) against fake
 * upstreams, straight and (CODEX_THROUGH_ROUTER=1) through the router; and the fakes' Responses
 * API it stands on. One test file at a time (each Codex run is a process of its own), with time
 * for the CLI to start.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/codex'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
  verbose: true,
  // Read by __tests__/codex/codex-cli.test.ts: outside this suite it runs nothing.
  globals: { CODEX_SUITE: true },
};
