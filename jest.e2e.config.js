const base = require('./jest.base');

/** @type {import('jest').Config} */
// The browser test (npm run test:e2e): the example chat app in headless Debian chromium.
// Needs /usr/bin/chromium (bash scripts/install-chromium.sh) and a build (dist/), which the script runs first.
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/e2e'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
};
