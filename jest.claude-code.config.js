const base = require('./jest.base');

/**
 * The Claude Code suite: the real Claude Code CLI (installed by `bash
 * scripts/install-claude-code.sh`) through the router against fake upstreams. One test file at a
 * time (each run is a process of its own), with time for the CLI to start.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/claude-code'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
  verbose: true,
  // Read by the test files in __tests__/claude-code: outside this suite they run nothing.
  globals: { CLAUDE_CODE_SUITE: true },
};
