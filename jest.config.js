const base = require('./jest.base');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Load, browser and packaging suites have their own commands (see package.json scripts).
  testPathIgnorePatterns: ['/node_modules/', '/__tests__/load/', '/__tests__/e2e/', '/__tests__/consumers/'],
  testTimeout: 15000,
};
