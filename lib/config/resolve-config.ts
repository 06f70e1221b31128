import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { ProviderRouterOptions, ConversationLogger, RouterLogger, ScrubHeadersHook } from '../options';
import { ProviderRouterError } from '../errors';
import { checkAdapterFields } from './check-adapter-fields';
import { credentialsIn } from './adapter-credentials';
import { checkHooks, checkOptionObjects } from './check-hooks';
import { configErrorWithoutKeys } from './config-error-without-keys';
import { envAsText } from './env-as-text';
import { createBuiltInProviders } from '../providers/built-in-providers';
import type { ProviderAdapter } from '../providers/provider-adapter';
import { withServesResponses } from '../providers/with-serves-responses';
import { CREDENTIALS_IN_URL, hasCredentials, MAX_TIMER_MS, NOT_A_HEADER_VALUE } from './env-validators';
import { parseModelMap, type ModelMapRule } from './model-map';
import { ENV_VARIABLES, envPrefix, InvalidEnvironment, readEnv, type RouterEnv } from './read-env';

/** Everything a request needs, resolved once at creation. */
export interface ResolvedConfig {
  env: RouterEnv;
  providers: ReadonlyMap<string, ProviderAdapter>;
  modelMap: readonly ModelMapRule[];
  fallback: 'local' | 'next';
  scrubHeaders: ScrubHeadersHook | undefined;
  conversationLogger: ConversationLogger | false | undefined;
  logger: RouterLogger | undefined;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxBodyBytes: number;
  modelsTtlMs: number;
  modelListTimeoutMs: number;
  /** Fixed model lists from `<ID>_MODELS`, replacing the provider's remote list. */
  staticModels: ReadonlyMap<string, string[]>;
  requestStreamUsage: boolean;
  /** Every configured secret, for redaction. */
  secrets: string[];
  /**
   * The built-in adapters in `providers`: their headers are fixed at creation, so their keys are
   * among `secrets` already and need not be read again on each request (a host's adapter may
   * read a rotated key from a store on each one).
   */
  fixedCredentials: ReadonlySet<ProviderAdapter>;
}

/**
 * Reads env and options once; throws `ProviderRouterError` (`invalid_config`) on any bad value,
 * every bad variable named in the one error, and no key quoted in it.
 */
export function resolveConfig(options: ProviderRouterOptions = {}): ResolvedConfig {
  // An env that is no object is refused by name in readConfig.
  const asText = isObject(options.env) ? envAsText(options.env, readVariables(options.env, options)) : { env: options.env, problems: [] };
  const textOptions = asText.env === options.env ? options : { ...options, env: asText.env };
  try {
    const config = readConfig(textOptions);
    if (asText.problems.length > 0) throw new InvalidEnvironment(asText.problems);
    return config;
  } catch (error) {
    // Named with the other bad variables, in the one error.
    const named = error instanceof InvalidEnvironment && asText.problems.length > 0 ? withProblems(error, asText.problems) : error;
    throw configErrorWithoutKeys(named, textOptions);
  }
}

/**
 * Whether the router reads a variable of `env`, given the options: the fixed ones an option does not
 * override, and those of each provider (`<ID>_RESPONSES`, `<ID>_MODELS`; `<ID>_BASE_URL` and
 * `<ID>_API_KEY` of one listed in `OPENAI_COMPATIBLE_PROVIDERS` and not given in code).
 */
function readVariables(env: Record<string, unknown>, options: ProviderRouterOptions): (name: string) => boolean {
  const overridden = overriddenVariables(options);
  const inCode = Object.keys(options.providers ?? {});
  const listed = typeof env.OPENAI_COMPATIBLE_PROVIDERS === 'string' ? env.OPENAI_COMPATIBLE_PROVIDERS.split(',').map((id) => id.trim()) : [];
  const read = new Set(ENV_VARIABLES.filter((name) => !overridden.has(name)));
  for (const id of listed.filter((id) => id !== '' && !inCode.includes(id))) read.add(`${envPrefix(id)}_BASE_URL`).add(`${envPrefix(id)}_API_KEY`);
  for (const id of ['local', 'openai', 'openrouter', 'anthropic', ...listed, ...inCode]) {
    if (id !== '') read.add(`${envPrefix(id)}_RESPONSES`).add(`${envPrefix(id)}_MODELS`);
  }
  return (name) => read.has(name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withProblems(error: InvalidEnvironment, problems: readonly string[]): InvalidEnvironment {
  return new InvalidEnvironment([...new Set([...problems, ...error.problems])]);
}

function readConfig(options: ProviderRouterOptions): ResolvedConfig {
  checkOptionObjects(options);
  const rawEnv = options.env ?? process.env;
  let env: RouterEnv;
  try {
    // A variable an option overrides (a built-in given in code overrides its own) is not read, so a
    // bad value of it stops nothing.
    env = readEnv(withoutOverridden(rawEnv, options));
  } catch (error) {
    if (!(error instanceof InvalidEnvironment)) throw error;
    // The other variables are still checked, as far as they can be without the rest.
    const ids = providerIdsBeforeProviders(rawEnv, options);
    throw new InvalidEnvironment([
      ...error.problems,
      ...responsesProblemsBeforeProviders(rawEnv, options, ids),
      ...(options.modelMap === undefined ? unknownMapProviders(envModelMapOrNone(rawEnv), 'PROVIDER_MODEL_MAP', ids) : []),
    ]);
  }
  const builtIns = createBuiltInProviders(env);
  const providers = new Map(Object.entries({ ...builtIns, ...options.providers }));
  for (const [id, adapter] of providers) checkAdapter(id, adapter);
  const builtInIds = [...providers].filter(([id, adapter]) => adapter === builtIns[id]).map(([id]) => id);
  const problems = applyResponsesSettings(rawEnv, providers);
  const modelMap = options.modelMap !== undefined ? parseCodeModelMap(options.modelMap) : env.modelMap;
  const modelMapSource = options.modelMap !== undefined ? 'options.modelMap' : 'PROVIDER_MODEL_MAP';
  problems.push(...unknownMapProviders(modelMap, modelMapSource, [...providers.keys()]));
  if (problems.length > 0) throw new InvalidEnvironment(problems);
  // Typed for TypeScript callers; a plain-JS caller may pass anything.
  const fallback: unknown = options.fallback ?? 'local';
  if (fallback !== 'local' && fallback !== 'next') {
    throw new ProviderRouterError('invalid_config', `fallback must be 'local' or 'next', not ${String(fallback)}`, 500);
  }
  checkHooks(options);
  const envSecrets = [env.OPENAI_API_KEY, env.OPENROUTER_API_KEY, env.ANTHROPIC_API_KEY, env.LOCAL_API_KEY];
  const secrets = [...envSecrets, ...env.extraProviders.map((p) => p.apiKey)];
  for (const adapter of providers.values()) secrets.push(...(adapter.secrets ?? []), ...credentialsIn(adapter));
  return {
    env,
    providers,
    modelMap,
    fallback,
    scrubHeaders: options.scrubHeaders,
    conversationLogger: options.conversationLogger,
    logger: options.logger,
    timeoutMs: timer('timeoutMs', options.timeoutMs) ?? env.PROVIDER_TIMEOUT_MS,
    idleTimeoutMs: timer('idleTimeoutMs', options.idleTimeoutMs) ?? env.PROVIDER_IDLE_TIMEOUT_MS,
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes) ?? env.PROVIDER_MAX_BODY_BYTES,
    // 0 caches nothing: every list asks the providers (lists asked for at once still share one fetch).
    modelsTtlMs: notNegative('modelsTtlMs', options.modelsTtlMs) ?? env.PROVIDER_MODELS_TTL_MS,
    modelListTimeoutMs: timer('modelListTimeoutMs', options.modelListTimeoutMs) ?? 5_000,
    staticModels: readStaticModels(options.env ?? process.env, [...providers.keys()]),
    requestStreamUsage: options.requestStreamUsage ?? true,
    secrets: [...new Set(secrets.filter((secret) => secret && secret.length >= 4))],
    fixedCredentials: new Set(builtInIds.map((id) => providers.get(id)).filter((adapter) => adapter !== undefined)),
  };
}

const RESPONSES_VALUES = '"native" (the provider serves /responses itself) or "chat" (bridge through chat completions)';

/** A rule for each map rule that names a provider not in `known`. */
function unknownMapProviders(rules: readonly ModelMapRule[], source: string, known: readonly string[]): string[] {
  return rules
    .filter((rule) => !known.includes(rule.provider))
    .map((rule) => `${source}: rule "${rule.pattern}" names provider "${rule.provider}", which is not registered (known: ${known.join(', ')})`);
}

/** The rules of `PROVIDER_MODEL_MAP`, or none when it is malformed (a problem reported already). */
function envModelMapOrNone(env: Record<string, string | undefined>): ModelMapRule[] {
  try {
    return parseModelMap(env.PROVIDER_MODEL_MAP ?? '');
  } catch {
    return [];
  }
}

/** The ids of the providers the configuration names, known without building them (the environment failed to read). */
function providerIdsBeforeProviders(env: Record<string, string | undefined>, options: ProviderRouterOptions): string[] {
  const listed = (env.OPENAI_COMPATIBLE_PROVIDERS ?? '').split(',').map((id) => id.trim());
  return [...new Set(['local', 'openai', 'openrouter', 'anthropic', ...listed, ...Object.keys(options.providers ?? {})])].filter(Boolean);
}

/**
 * The `<ID>_RESPONSES` problems of the providers `ids`, found without building them (the
 * environment failed to read): the built-in `anthropic` speaks Messages, a host's own adapter says
 * what it speaks, the others speak chat completions.
 */
function responsesProblemsBeforeProviders(env: Record<string, string | undefined>, options: ProviderRouterOptions, ids: readonly string[]): string[] {
  const dialectOf = (id: string): string => options.providers?.[id]?.dialect ?? (id === 'anthropic' ? 'anthropic' : 'openai');
  return ids.flatMap((id) => responsesProblem(env, id, dialectOf(id)) ?? []);
}

/** What is wrong with provider `id`'s `<ID>_RESPONSES`, if anything. */
function responsesProblem(env: Record<string, string | undefined>, id: string, dialect: string): string | undefined {
  const variable = `${envPrefix(id)}_RESPONSES`;
  const value = env[variable]?.trim().toLowerCase();
  if (!value) return undefined;
  if (value !== 'native' && value !== 'chat') return `${variable}: must be ${RESPONSES_VALUES}`;
  if (dialect !== 'openai' && value === 'native')
    return `${variable}: "${id}" speaks Anthropic's Messages API; its Responses requests are always translated`;
  return undefined;
}

/**
 * `<ID>_RESPONSES=native` passes a provider's `/responses` requests through, `chat` bridges them
 * through chat completions; unset keeps the adapter's own choice (native for openai and
 * openrouter).
 *
 * @returns the problems found, one per bad variable.
 */
function applyResponsesSettings(env: Record<string, string | undefined>, providers: Map<string, ProviderAdapter>): string[] {
  const problems: string[] = [];
  for (const [id, adapter] of providers) {
    const problem = responsesProblem(env, id, adapter.dialect);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const value = env[`${envPrefix(id)}_RESPONSES`]?.trim().toLowerCase();
    if (value) providers.set(id, withServesResponses(adapter, value === 'native'));
  }
  return problems;
}

function readStaticModels(env: Record<string, string | undefined>, ids: string[]): Map<string, string[]> {
  const lists = new Map<string, string[]>();
  for (const id of ids) {
    const text = env[`${envPrefix(id)}_MODELS`]?.trim();
    if (text)
      lists.set(
        id,
        text
          .split(',')
          .map((model) => model.trim())
          .filter(Boolean),
      );
  }
  return lists;
}

/** The variable each option overrides ("options given in code win over env"). */
const VARIABLE_OF_OPTION = {
  timeoutMs: 'PROVIDER_TIMEOUT_MS',
  idleTimeoutMs: 'PROVIDER_IDLE_TIMEOUT_MS',
  maxBodyBytes: 'PROVIDER_MAX_BODY_BYTES',
  modelsTtlMs: 'PROVIDER_MODELS_TTL_MS',
  modelMap: 'PROVIDER_MODEL_MAP',
} as const satisfies Partial<Record<keyof ProviderRouterOptions, string>>;

/** The variables that configure each built-in: a host that gives the built-in in code overrides them all. */
const VARIABLES_OF_BUILT_IN: Record<string, readonly string[]> = {
  local: ['LOCAL_BASE_URL', 'LOCAL_API_KEY'],
  openai: ['OPENAI_BASE_URL', 'OPENAI_API_KEY'],
  openrouter: ['OPENROUTER_BASE_URL', 'OPENROUTER_API_KEY', 'OPENROUTER_SITE_URL', 'OPENROUTER_APP_NAME'],
  anthropic: ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_VERSION', 'ANTHROPIC_MAX_TOKENS', 'ANTHROPIC_THINKING'],
};

/** The variables options given in code override: those of the options set, and those of each built-in given in code. */
function overriddenVariables(options: ProviderRouterOptions): Set<string> {
  const inCode = Object.keys(options.providers ?? {});
  return new Set([
    ...Object.entries(VARIABLE_OF_OPTION)
      .filter(([option]) => options[option as keyof typeof VARIABLE_OF_OPTION] !== undefined)
      .map(([, variable]) => variable as string),
    ...inCode.flatMap((id) => (Object.hasOwn(VARIABLES_OF_BUILT_IN, id) ? (VARIABLES_OF_BUILT_IN[id] ?? []) : [])),
  ]);
}

function withoutOverridden(env: Record<string, string | undefined>, options: ProviderRouterOptions): Record<string, string | undefined> {
  const inCode = Object.keys(options.providers ?? {});
  const overridden = overriddenVariables(options);
  // An OPENAI_COMPATIBLE_PROVIDERS entry given in code is the code's: its variables are not read either.
  const listed = env.OPENAI_COMPATIBLE_PROVIDERS?.split(',').map((id) => id.trim());
  const notInCode = listed?.filter((id) => Object.hasOwn(VARIABLES_OF_BUILT_IN, id) || !inCode.includes(id));
  if (overridden.size === 0 && notInCode?.length === listed?.length) return env;
  const read = Object.fromEntries(Object.entries(env).filter(([name]) => !overridden.has(name)));
  if (notInCode !== undefined) read.OPENAI_COMPATIBLE_PROVIDERS = notInCode.join(',');
  return read;
}

function parseCodeModelMap(text: string): ModelMapRule[] {
  try {
    return parseModelMap(text);
  } catch (error) {
    throw new ProviderRouterError('invalid_config', `options.modelMap: ${(error as Error).message}`, 500);
  }
}

/** {@link positive}, and no longer than Node's timers take. */
function timer(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && value > MAX_TIMER_MS) {
    throw new ProviderRouterError('invalid_config', `options.${name} must be at most ${MAX_TIMER_MS} milliseconds (Node's longest timer)`, 500);
  }
  return positive(name, value);
}

function notNegative(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) {
    throw new ProviderRouterError('invalid_config', `options.${name} must be 0 or a positive number of milliseconds`, 500);
  }
  return value;
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ProviderRouterError(
      'invalid_config',
      `options.${name} must be a positive number of ${name.endsWith('Bytes') ? 'bytes' : 'milliseconds'}`,
      500,
    );
  }
  return value;
}

/**
 * Checks an adapter of `options.providers`, which may come from plain JavaScript: a missing one,
 * or anything else, is named here instead of failing on the first request.
 */
function checkAdapter(id: string, adapter: ProviderAdapter | null | undefined): void {
  const fix = 'build it with defineProvider(), createOpenAICompatibleProvider() or createAnthropicProvider()';
  if (!adapter || typeof adapter.upstreamHeaders !== 'function') {
    throw new ProviderRouterError('invalid_config', `providers.${id} is not a provider adapter: ${fix}`, 500);
  }
  if (adapter.id !== id) {
    throw new ProviderRouterError('invalid_config', `providers.${id} has id "${adapter.id}"; the key and the id must match`, 500);
  }
  if (!/^[a-z][a-z0-9_-]*$/.test(id)) {
    throw new ProviderRouterError('invalid_config', `provider id "${id}" must be lower case letters, digits, - or _`, 500);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the type holds for TypeScript callers only; this tells a plain-JS caller what is wrong
  if (!/^https?:\/\//.test(adapter.baseUrl) || (adapter.dialect !== 'openai' && adapter.dialect !== 'anthropic')) {
    throw new ProviderRouterError('invalid_config', `providers.${id} needs an http(s) baseUrl and a dialect of 'openai' or 'anthropic': ${fix}`, 500);
  }
  checkAdapterFields(id, adapter);
  if (URL.canParse(adapter.baseUrl) && hasCredentials(new URL(adapter.baseUrl))) {
    throw new ProviderRouterError('invalid_config', `providers.${id}.baseUrl: ${CREDENTIALS_IN_URL}`, 500);
  }
  // Paths are appended to it: `?api-version=1` would end up before `/chat/completions`.
  if (URL.canParse(adapter.baseUrl) && (new URL(adapter.baseUrl).search || new URL(adapter.baseUrl).hash)) {
    throw new ProviderRouterError(
      'invalid_config',
      `providers.${id}.baseUrl: expected a base URL without a query or fragment (paths are appended to it)`,
      500,
    );
  }
  // Fixed for the adapter's life, so checked once: Node's `setHeader` would throw a bad one on a
  // request, where nothing catches it.
  for (const [name, value] of Object.entries(adapter.defaultHeaders ?? {})) {
    if (!isHeader(name, value)) {
      throw new ProviderRouterError('invalid_config', `providers.${id}.defaultHeaders["${name.slice(0, 64)}"]: ${NOT_A_HEADER_VALUE}`, 500);
    }
  }
}

/** Whether `name: value` can be sent as an HTTP header. */
function isHeader(name: string, value: unknown): boolean {
  try {
    if (typeof value !== 'string') return false;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}
