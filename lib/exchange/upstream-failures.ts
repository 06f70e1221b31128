import type { StreamError } from '../dialects/dialect';
import type { ErrorDetails } from '../http/error-details';
import type { ProviderAdapter } from '../providers/provider-adapter';

/** The upstream went silent while sending its answer: 504. */
export function silentUpstream(provider: ProviderAdapter, reason: string): ErrorDetails {
  return { status: 504, message: `Provider "${provider.id}" stalled: ${reason}`, type: 'timeout_error', code: 'upstream_timeout' };
}

/** The upstream's answer cannot be used: 502. */
export function invalidUpstream(provider: ProviderAdapter, reason: string): ErrorDetails {
  return { status: 502, message: `Provider "${provider.id}" answered badly: ${reason}`, type: 'upstream_error', code: 'upstream_invalid_response' };
}

/** The upstream could not be reached: 502. */
export function unreachableUpstream(provider: ProviderAdapter, reason: string): ErrorDetails {
  return { status: 502, message: `Provider "${provider.id}" could not be reached (${reason})`, type: 'upstream_error', code: 'upstream_unreachable' };
}

/** `router.close()` cut the connection of a request still waiting on its upstream: 502, the router's own code. */
export function closedWhileWaiting(provider: ProviderAdapter): ErrorDetails {
  return {
    status: 502,
    message: `The provider router was closed (router.close()) while this request waited on provider "${provider.id}"; its answer was cut off`,
    type: 'upstream_error',
    code: 'router_closed',
  };
}

/**
 * `router.close()` cut the connection of an answer already streaming: the error frame that ends
 * the stream says so, instead of blaming the upstream.
 */
export function closedMidStream(provider: ProviderAdapter): StreamError {
  return {
    message: `The provider router was closed (router.close()) while this answer streamed from provider "${provider.id}"; it was cut off`,
    type: 'upstream_error',
  };
}

/** No response headers in time: 504. */
export function upstreamTimeout(provider: ProviderAdapter, timeoutMs: number): ErrorDetails {
  return {
    status: 504,
    message: `Provider "${provider.id}" sent no response within ${timeoutMs} ms (PROVIDER_TIMEOUT_MS)`,
    type: 'timeout_error',
    code: 'upstream_timeout',
  };
}

/** The upstream answered with a redirect, which the router does not follow: 502 naming it. */
export function redirectedUpstream(provider: ProviderAdapter, status: number, location: string | undefined): ErrorDetails {
  const target = location ? ` to ${location}` : ' without a Location';
  return invalidUpstream(provider, `it redirected (${status}${target}); the router does not follow redirects: check the provider's base URL`);
}
