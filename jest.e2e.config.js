/** @type {import('jest').Config} */
// The browser test (npm run test:e2e): the example chat app in headless Debian chromium.
// Needs /usr/bin/chromium (bash scripts/install-chromium.sh) and a build (dist/), which the script runs first.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
};
