import { ProviderRouterError } from '../../errors';

/** The 400 `invalid_request` error a malformed Messages request is rejected with. */
export function invalidRequest(message: string): ProviderRouterError {
  return new ProviderRouterError('invalid_request', message, 400);
}
