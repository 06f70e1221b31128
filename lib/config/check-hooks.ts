import { ProviderRouterError } from '../errors';
import type { ProviderRouterOptions } from '../options';

/**
 * Checks the options that hold the host's own functions and objects, which may come from plain
 * JavaScript: a `logger` without `warn`, say, is named here, at creation, instead of being found
 * when the first warning is due (and dropped then).
 */
export function checkHooks(options: ProviderRouterOptions): void {
  const { logger, conversationLogger, scrubHeaders, requestStreamUsage } = options as Record<string, unknown>;
  if (logger !== undefined && !hasMethods(logger, 'warn', 'error')) {
    refuse('options.logger must have warn(message, meta) and error(message, meta) methods, as a winston logger or console has');
  }
  if (conversationLogger !== undefined && conversationLogger !== false && !hasMethods(conversationLogger, 'info')) {
    refuse('options.conversationLogger must be a winston logger (an object with info(message, meta)), or false');
  }
  if (scrubHeaders !== undefined && typeof scrubHeaders !== 'function') {
    refuse('options.scrubHeaders must be a function (headers, { direction, provider, requestId }) => headers');
  }
  if (requestStreamUsage !== undefined && typeof requestStreamUsage !== 'boolean') {
    refuse('options.requestStreamUsage must be true or false');
  }
}

/**
 * Checks the options read before anything else (`env`, `providers`, `modelMap`), so that a wrong
 * type is named as the option, not found as a failure inside reading it.
 */
export function checkOptionObjects(options: ProviderRouterOptions): void {
  if (!isPlainObject(options)) refuse(`createProviderRouter takes an object of options, not ${Array.isArray(options) ? 'an array' : typeof options}`);
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(KNOWN_OPTIONS, name)) continue;
    const meant = optionMeant(name);
    if (meant) refuse(`options.${JSON.stringify(name.slice(0, 64))} is not an option; did you mean ${meant}?`);
  }
  const { env, providers, modelMap } = options as Record<string, unknown>;
  if (env !== undefined && !isPlainObject(env)) refuse('options.env must be an object of variables (name: value), as process.env is');
  if (providers !== undefined && !isPlainObject(providers)) refuse('options.providers must be an object of adapters by id ({ groq: adapter })');
  if (modelMap !== undefined && typeof modelMap !== 'string') {
    refuse("options.modelMap must be a string of rules, as PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini,team-*=openrouter'");
  }
}

/** Every option, so that one misspelt (`scrubheaders`) is named instead of silently doing nothing. */
const KNOWN_OPTIONS = {
  env: true,
  providers: true,
  scrubHeaders: true,
  fallback: true,
  conversationLogger: true,
  logger: true,
  modelMap: true,
  timeoutMs: true,
  idleTimeoutMs: true,
  maxBodyBytes: true,
  requestStreamUsage: true,
  modelsTtlMs: true,
  modelListTimeoutMs: true,
} as const satisfies Record<keyof ProviderRouterOptions, true>;

/**
 * The option an unknown name is a slip of: the same but for case, or at most two letters off.
 * Other names are left alone, as extra properties of an options object usually are: a host may
 * keep its own settings beside ours, and TypeScript already flags them in an object literal.
 */
function optionMeant(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(KNOWN_OPTIONS).find((known) => known.length >= 5 && editDistance(known.toLowerCase(), lower) <= 2);
}

/** Levenshtein distance; option names are short, so the plain table is enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasMethods(value: unknown, ...names: string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

function refuse(message: string): never {
  throw new ProviderRouterError('invalid_config', message, 500);
}
