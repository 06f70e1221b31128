// The library is linted strictly and with type information; tests, examples, benchmarks and scripts
// with the recommended rules only. Formatting is Prettier's (`prettier --check .`), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const readonly = (names) => Object.fromEntries(names.map((name) => [name, 'readonly']));

// What Node 20+ provides without an import (the `globals` package is not a dependency).
const nodeGlobals = readonly([
  'AbortController',
  'AbortSignal',
  'Blob',
  'Buffer',
  'FormData',
  'Headers',
  'ReadableStream',
  'Request',
  'Response',
  'TextDecoder',
  'TextDecoderStream',
  'TextEncoder',
  'TransformStream',
  'URL',
  'URLSearchParams',
  'WritableStream',
  'clearImmediate',
  'clearInterval',
  'clearTimeout',
  'console',
  'crypto',
  'fetch',
  'performance',
  'process',
  'queueMicrotask',
  'setImmediate',
  'setInterval',
  'setTimeout',
  'structuredClone',
]);
const commonJsGlobals = readonly(['__dirname', '__filename', 'exports', 'module', 'require']);
const browserGlobals = readonly([
  'AbortController',
  'CSS',
  'EventSource',
  'Option',
  'TextDecoder',
  'alert',
  'cancelAnimationFrame',
  'clearTimeout',
  'console',
  'document',
  'fetch',
  'history',
  'localStorage',
  'location',
  'matchMedia',
  'navigator',
  'performance',
  'requestAnimationFrame',
  'sessionStorage',
  'setInterval',
  'setTimeout',
  'window',
]);
const jestGlobals = readonly(['afterAll', 'afterEach', 'beforeAll', 'beforeEach', 'describe', 'expect', 'it', 'jest', 'test']);

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'node_modules/', '__tests__/fixtures/']),

  {
    name: 'library: strict, type-aware',
    files: ['lib/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers in messages (`${status}`) are fine; objects, nullish values and the like are not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // An empty string means unset here (an empty env variable, an empty key), so `||` on strings is meant.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // `(error) => reject(error)` and `() => res.end()` are clear as they are.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },

  {
    name: 'tests, examples, benchmarks, scripts: TypeScript',
    files: ['__tests__/**/*.{ts,cts,mts}', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: { ...nodeGlobals, ...jestGlobals } },
  },

  {
    name: 'tests, examples, benchmarks, scripts, config files: JavaScript',
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
  },
  {
    files: ['**/*.mjs', '__tests__/consumers/esm-*/**/*.js'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    name: 'browser code of the examples',
    files: ['examples/*/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: browserGlobals },
  },
);
