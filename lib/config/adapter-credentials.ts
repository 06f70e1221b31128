import { isCredentialHeader } from '../http/header-policy';
import type { ProviderAdapter } from '../providers/provider-adapter';

/**
 * Header names whose values are credentials: those the header policy never forwards, and, since
 * redacting errs wide, any name holding `key` (`x-subscription-key-v2`).
 */
export const holdsCredential = (name: string): boolean => isCredentialHeader(name) || /key/i.test(name);

/**
 * The credentials an enabled adapter sets in its own headers (`upstreamHeaders()`, and
 * `defaultHeaders`, where a host may have put its key too), so that they are redacted even when
 * a host's adapter does not list them in `secrets`: `Bearer` and `Basic` values without their
 * scheme, of at least 12 characters (a header such as `x-max-tokens: 4096` is no credential, and
 * redacting `4096` would maim answers). An adapter whose headers cannot be read yet (they throw,
 * or it is no adapter: a configuration error is being reported) adds nothing.
 */
export function credentialsIn(adapter: ProviderAdapter): string[] {
  let headers: unknown;
  try {
    if (!adapter.enabled) return [];
    headers = adapter.upstreamHeaders();
  } catch {
    return [];
  }
  if (!headers || typeof headers !== 'object') return [];
  const defaults: unknown = adapter.defaultHeaders;
  return Object.entries({ ...(defaults && typeof defaults === 'object' ? defaults : {}), ...headers })
    .filter((entry): entry is [string, string] => holdsCredential(entry[0]) && typeof entry[1] === 'string')
    .map(([, value]) => value.replace(/^(bearer|basic)\s+/i, '').trim())
    .filter((credential) => credential.length >= 12);
}
