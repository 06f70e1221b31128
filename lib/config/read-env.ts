import { cleanEnv, type CleanedEnv } from 'envalid';
import { ProviderRouterError } from '../errors';
import {
  byteCount,
  headerText,
  httpUrl,
  milliseconds,
  NOT_A_HEADER_VALUE,
  NOT_IN_HEADER_VALUE,
  oneOf,
  optionalText,
  positiveInteger,
  timerMilliseconds,
} from './env-validators';
import { parseModelMap, type ModelMapRule } from './model-map';

const SPEC = {
  OPENAI_API_KEY: headerText({ default: '' }),
  OPENROUTER_API_KEY: headerText({ default: '' }),
  ANTHROPIC_API_KEY: headerText({ default: '' }),
  LOCAL_API_KEY: headerText({ default: '' }),
  OPENAI_BASE_URL: httpUrl({ default: 'https://api.openai.com/v1' }),
  OPENROUTER_BASE_URL: httpUrl({ default: 'https://openrouter.ai/api/v1' }),
  ANTHROPIC_BASE_URL: httpUrl({ default: 'https://api.anthropic.com' }),
  LOCAL_BASE_URL: httpUrl({ default: 'http://127.0.0.1:9931/v1' }),
  ANTHROPIC_VERSION: headerText({ default: '2023-06-01' }),
  ANTHROPIC_MAX_TOKENS: positiveInteger({ default: 4096 }),
  ANTHROPIC_THINKING: oneOf(['adaptive', 'budget'] as const, { default: 'adaptive' }),
  PROVIDER_MODEL_MAP: optionalText({ default: '' }),
  PROVIDER_TIMEOUT_MS: timerMilliseconds({ default: 60_000 }),
  PROVIDER_IDLE_TIMEOUT_MS: timerMilliseconds({ default: 120_000 }),
  PROVIDER_MAX_BODY_BYTES: byteCount({ default: 33_554_432 }),
  PROVIDER_MODELS_TTL_MS: milliseconds({ default: 300_000 }),
  CONVERSATION_LOG_FILE: optionalText({ default: '' }),
  OPENAI_COMPATIBLE_PROVIDERS: optionalText({ default: '' }),
  OPENROUTER_SITE_URL: headerText({ default: '' }),
  OPENROUTER_APP_NAME: headerText({ default: '' }),
};

/** The names of the variables read whatever the providers are. */
export const ENV_VARIABLES: readonly string[] = Object.keys(SPEC);

/** A provider added through `OPENAI_COMPATIBLE_PROVIDERS`. */
export interface ExtraProviderEnv {
  id: string;
  baseUrl: string;
  apiKey: string;
  keyVariable: string;
}

/** Every setting the router reads from its environment, validated and typed. */
export type RouterEnv = CleanedEnv<typeof SPEC> & {
  modelMap: ModelMapRule[];
  extraProviders: ExtraProviderEnv[];
};

/** `groq` -> `GROQ`, `my-llm` -> `MY_LLM`: the prefix of a provider's variables. */
export function envPrefix(providerId: string): string {
  return providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Validates the environment once, at creation. Every bad variable is collected into one
 * `ProviderRouterError` (`invalid_config`) that names it and what it expects; values are not
 * echoed, since some variables hold keys.
 */
export function readEnv(env: Record<string, string | undefined>): RouterEnv {
  const problems: string[] = [];
  const cleaned = cleanEnv(setVariables(env), SPEC, {
    reporter: ({ errors }) => {
      for (const [name, error] of Object.entries<Error | undefined>(errors)) {
        if (error) problems.push(`${name}: ${error.message}`);
      }
    },
  });

  let modelMap: ModelMapRule[] = [];
  try {
    modelMap = parseModelMap(env.PROVIDER_MODEL_MAP ?? '');
  } catch (error) {
    problems.push(`PROVIDER_MODEL_MAP: ${(error as Error).message}`);
  }

  const extraProviders = readExtraProviders(env, problems);
  if (problems.length > 0) throw new InvalidEnvironment(problems);
  return Object.assign(Object.create(null) as object, cleaned, { modelMap, extraProviders });
}

/** Bad variables, every one named with what it expects, in one `invalid_config` error. */
export class InvalidEnvironment extends ProviderRouterError {
  constructor(readonly problems: readonly string[]) {
    super('invalid_config', `express-provider-router: invalid environment:\n  - ${problems.join('\n  - ')}`, 500);
  }
}

/** Empty values mean unset, as in a `.env` file with `OPENAI_API_KEY=`. */
function setVariables(env: Record<string, string | undefined>): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of Object.keys(SPEC)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') set[name] = value;
  }
  return set;
}

const BUILT_IN_IDS = new Set(['local', 'openai', 'openrouter', 'anthropic']);

function readExtraProviders(env: Record<string, string | undefined>, problems: string[]): ExtraProviderEnv[] {
  const ids = (env.OPENAI_COMPATIBLE_PROVIDERS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const providers: ExtraProviderEnv[] = [];
  const idOfPrefix = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (!/^[a-z][a-z0-9_-]*$/.test(id) || BUILT_IN_IDS.has(id)) {
      problems.push(
        `OPENAI_COMPATIBLE_PROVIDERS: "${id}" must be a lower-case id (letters, digits, - or _) other than local, openai, openrouter and anthropic`,
      );
      continue;
    }
    const prefix = envPrefix(id);
    // `my-llm` and `my_llm` would be two providers configured by the same variables: a slip, not a choice.
    const sameVariables = idOfPrefix.get(prefix);
    if (sameVariables !== undefined) {
      problems.push(
        `OPENAI_COMPATIBLE_PROVIDERS: "${sameVariables}" and "${id}" both read ${prefix}_BASE_URL and ${prefix}_API_KEY; list one of them`,
      );
      continue;
    }
    idOfPrefix.set(prefix, id);
    // Both variables are checked, so that one error names each bad one.
    const baseUrl = readExtraBaseUrl(env, `${prefix}_BASE_URL`, problems);
    const keyVariable = `${prefix}_API_KEY`;
    const apiKey = env[keyVariable]?.trim() ?? '';
    const keyIsBad = NOT_IN_HEADER_VALUE.test(apiKey);
    if (keyIsBad) problems.push(`${keyVariable}: ${NOT_A_HEADER_VALUE}`);
    if (baseUrl !== undefined && !keyIsBad) providers.push({ id, baseUrl, apiKey, keyVariable });
  }
  return providers;
}

/** An `OPENAI_COMPATIBLE_PROVIDERS` provider's `<ID>_BASE_URL`, or undefined with its problem added. */
function readExtraBaseUrl(env: Record<string, string | undefined>, variable: string, problems: string[]): string | undefined {
  const raw = env[variable]?.trim();
  if (!raw) {
    problems.push(`${variable}: required by OPENAI_COMPATIBLE_PROVIDERS; the API's base URL with /v1`);
    return undefined;
  }
  try {
    // Checked on its own under a fixed key, so that the result is typed; problems name the variable itself.
    return cleanEnv(
      { url: raw },
      { url: httpUrl() },
      {
        reporter: ({ errors }) => {
          if (errors.url) throw errors.url;
        },
      },
    ).url;
  } catch (error) {
    problems.push(`${variable}: ${(error as Error).message}`);
    return undefined;
  }
}
