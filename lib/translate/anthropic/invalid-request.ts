import { ProviderRouterError } from '../../errors';

/**
 * The error for a chat completions request that cannot be translated for Anthropic: a 400 the
 * client can act on, raised before anything is sent upstream.
 */
export function invalidRequest(message: string): ProviderRouterError {
  return new ProviderRouterError('invalid_request', message, 400);
}
