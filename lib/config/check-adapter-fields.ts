import { ProviderRouterError } from '../errors';

/** The optional fields an adapter may set, by the type each must have. */
const FUNCTIONS = ['adaptRequest', 'listModels'] as const;
const FLAGS = ['servesMessages', 'servesResponses', 'fetchesFileUrls', 'readsReasoningDetails'] as const;
const STRING_LISTS = ['secrets', 'forwardHeaders'] as const;

/**
 * Checks the types of an adapter's fields, which a plain-JS host may get wrong: each is named here,
 * at creation, instead of failing every request with a bare 500 (a non-function `adaptRequest`),
 * or passing silently (`secrets: 'sk-...'`, a string, would redact nothing).
 *
 * @throws ProviderRouterError (`invalid_config`) naming `providers.<id>.<field>`.
 */
export function checkAdapterFields(id: string, adapter: object): void {
  const fields = adapter as Record<string, unknown>;
  if (typeof fields.enabled !== 'boolean') refuse(`providers.${id}.enabled must be true or false`);
  for (const name of FUNCTIONS) {
    if (fields[name] !== undefined && typeof fields[name] !== 'function') refuse(`providers.${id}.${name} must be a function`);
  }
  for (const name of FLAGS) {
    if (fields[name] !== undefined && typeof fields[name] !== 'boolean') refuse(`providers.${id}.${name} must be true or false`);
  }
  for (const name of STRING_LISTS) {
    const value = fields[name];
    // An unset variable in the list (`secrets: [process.env.AZURE_KEY!]`) is no secret, and no error.
    if (
      value !== undefined &&
      !(Array.isArray(value) && value.every((entry) => typeof entry === 'string' || (name === 'secrets' && entry === undefined)))
    ) {
      refuse(`providers.${id}.${name} must be an array of strings`);
    }
  }
  if (fields.keyVariable !== undefined && typeof fields.keyVariable !== 'string') refuse(`providers.${id}.keyVariable must be a string`);
}

function refuse(message: string): never {
  throw new ProviderRouterError('invalid_config', message, 500);
}
