/** Machine-readable codes of the errors the router raises itself. */
export type ProviderRouterErrorCode =
  | 'invalid_config'
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_model'
  | 'body_too_large'
  | 'provider_not_configured'
  | 'unsupported_endpoint'
  | 'unsupported_parameter'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'upstream_invalid_response'
  | 'router_closed'
  | 'thread_not_found';

/**
 * The one error type of the package. `status` is the HTTP status the router answers with when the
 * error reaches a client; `message` says what was wrong and how to fix it.
 */
export class ProviderRouterError extends Error {
  override readonly name = 'ProviderRouterError';

  constructor(
    readonly code: ProviderRouterErrorCode,
    message: string,
    readonly status = 400,
    /** The OpenAI-style `type` of the error body. */
    readonly type: string = status >= 500 ? 'server_error' : 'invalid_request_error',
    /** The provider the request was routed to, when routing got that far. */
    readonly provider?: string,
    /** The request field the error is about (`previous_response_id`, `input`), for OpenAI's `param`. */
    readonly param?: string,
    /** Machine-readable details a client's SDK acts on (Anthropic's `error.details.error_code`). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** A 400 `unsupported_parameter` error: the request asks, in field `param`, for what the route cannot carry. */
export function unsupportedParameter(param: string, message: string): ProviderRouterError {
  return new ProviderRouterError('unsupported_parameter', message, 400, 'invalid_request_error', undefined, param);
}

/** A 400 `invalid_request` error for a request body the router cannot use; `param` names the field at fault. */
export function invalidRequest(message: string, param?: string): ProviderRouterError {
  return new ProviderRouterError('invalid_request', message, 400, 'invalid_request_error', undefined, param);
}

/** A 503 `router_closed` error: `router.close()` has run, and the router sends nothing more upstream. */
export function routerClosedError(): ProviderRouterError {
  return new ProviderRouterError('router_closed', 'The provider router has been closed (router.close()); it serves no more requests', 503);
}
