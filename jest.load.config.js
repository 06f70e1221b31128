const base = require('./jest.base');

/**
 * Fault, load and soak tests (`npm run test:load`): real HTTP on 127.0.0.1, run in band so that
 * one suite at a time has the machine. Every loop in them is bounded in count and in time.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  roots: ['<rootDir>/__tests__/load'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
  verbose: true,
};
