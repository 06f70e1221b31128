/**
 * What every jest config here shares. http-proxy-middleware 4, httpxy and eventsource-parser 4 are
 * ES modules only; jest's own require() of ES modules needs --experimental-vm-modules and Node
 * 24.9+, so they are compiled to CommonJS like the sources, which works on every supported Node.
 */
const esmOnlyPackages = ['http-proxy-middleware', 'httpxy', 'eventsource-parser', 'is-plain-obj', 'ai', '@ai-sdk', '@workflow'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.m?js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  // The AI SDK imports zod's locale by its ES module file: its CommonJS twin is loaded instead.
  moduleNameMapper: { '^zod/v4/locales/(.*)\\.js$': 'zod/v4/locales/$1.cjs' },
};
