import { ProviderRouterError } from '../errors';
import { createRedactor } from '../http/redactor';
import { credentialsIn } from './adapter-credentials';
import type { ProviderRouterOptions } from '../options';
import { InvalidEnvironment } from './read-env';

/**
 * `error` with every key of the configuration redacted from its message (env `*_API_KEY` values,
 * adapters' `secrets` and the credentials they set in their headers). A key pasted into the
 * wrong variable (a map rule, a provider list, a setting with choices) would otherwise be quoted
 * back in the error a host logs at start-up.
 */
export function configErrorWithoutKeys(error: unknown, options: ProviderRouterOptions): unknown {
  if (!(error instanceof ProviderRouterError)) return error;
  const env = options.env ?? process.env;
  // The variables that hold keys: the built-ins' and every `<ID>_API_KEY`.
  const keys: string[] = [];
  for (const [name, value] of Object.entries(env)) if (name.endsWith('_API_KEY') && typeof value === 'string') keys.push(value.trim());
  for (const adapter of Object.values(options.providers ?? {})) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a plain-JS caller may pass anything
    if (Array.isArray(adapter?.secrets)) keys.push(...adapter.secrets.filter((secret): secret is string => typeof secret === 'string'));
    // The key a host's adapter sets in its headers without listing it in `secrets`, as requests redact it.
    keys.push(...credentialsIn(adapter));
  }
  const redactor = createRedactor(keys);
  if (!redactor.containsSecret(error.message)) return error;
  if (error instanceof InvalidEnvironment) return new InvalidEnvironment(error.problems.map((problem) => redactor.redact(problem)));
  return new ProviderRouterError(error.code, redactor.redact(error.message), error.status, error.type, error.provider, error.param, error.details);
}
