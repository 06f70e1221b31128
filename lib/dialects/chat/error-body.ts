import type { ErrorDetails } from '../../http/error-details';
import type { OpenAIErrorBody } from './wire';

/** OpenAI's error type for an HTTP status, when the upstream gave none. */
export function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** `{"error":{"message","type","code"}}`, with `param` when the error names a field. */
export function toOpenAIErrorBody(details: ErrorDetails): OpenAIErrorBody {
  const error: OpenAIErrorBody['error'] = { message: details.message, type: details.type, code: details.code };
  if (details.param !== undefined) error.param = details.param;
  return { error };
}
