import { ProviderRouterError } from '../errors';
import { isRecord } from '../is-record';
import { isThenable } from '../is-thenable';
import type { ProviderAdapter, UpstreamRequestContext } from '../providers/provider-adapter';

/**
 * The body `provider.adaptRequest` returns. A host's adapter that throws, or returns anything but
 * the body object (nothing, after changing it in place; a promise), fails the request with a 500
 * naming the provider and the hook, its own error left out (it is the host's, and may quote a
 * key). A `ProviderRouterError` it throws on purpose (a refusal) is answered as it is.
 */
export function adaptedBody(provider: ProviderAdapter, body: Record<string, unknown>, context: UpstreamRequestContext): Record<string, unknown> {
  if (!provider.adaptRequest) return body;
  let adapted: unknown;
  try {
    adapted = provider.adaptRequest(body, context);
  } catch (error) {
    if (error instanceof ProviderRouterError) throw error;
    throw adapterFailure(provider, 'adaptRequest', 'threw');
  }
  return checkedObject(provider, 'adaptRequest', adapted, 'the body to send');
}

/** `provider.upstreamHeaders()`, failing as {@link adaptedBody} does when it throws or returns no object. */
export function providerHeaders(provider: ProviderAdapter): Record<string, unknown> {
  let headers: unknown;
  try {
    headers = provider.upstreamHeaders();
  } catch {
    throw adapterFailure(provider, 'upstreamHeaders', 'threw');
  }
  return checkedObject(provider, 'upstreamHeaders', headers, 'an object of headers');
}

function checkedObject(provider: ProviderAdapter, hook: string, value: unknown, expected: string): Record<string, unknown> {
  if (isThenable(value)) {
    // Nobody else listens to it: a rejection would end the host's process.
    Promise.resolve(value).catch(() => undefined);
    throw adapterFailure(provider, hook, `returned a promise; it must return ${expected}`);
  }
  if (!isRecord(value)) throw adapterFailure(provider, hook, `returned no object; it must return ${expected}`);
  return value;
}

function adapterFailure(provider: ProviderAdapter, hook: string, what: string): ProviderRouterError {
  return new ProviderRouterError('invalid_config', `Provider "${provider.id}": its adapter's ${hook}() ${what}; nothing was sent`, 500);
}
