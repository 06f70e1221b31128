import { isRecord } from '../is-record';

/** How much of a provider's own reason an error message carries. */
const REASON_LIMIT = 2000;

/**
 * The message of an upstream error object, with the provider's own reason when an aggregator
 * wrapped it: OpenRouter answers a provider's refusal as "Provider returned error" and puts the
 * provider's error body (JSON in a string, or plain text) in `metadata.raw`, its name in
 * `metadata.provider_name`. The wrapper's message alone tells a client nothing it can act on.
 */
export function withProviderReason(error: Record<string, unknown>, message: string): string {
  const metadata = error.metadata;
  if (!isRecord(metadata)) return message;
  const reason = reasonOf(metadata.raw)?.trim().slice(0, REASON_LIMIT);
  if (reason === undefined || reason === '' || reason === message) return message;
  const provider = typeof metadata.provider_name === 'string' && metadata.provider_name !== '' ? ` (${metadata.provider_name})` : '';
  return `${message}${provider}: ${reason}`;
}

/** The readable reason in a provider's error body: its `error.message`, `error`, `message` or `detail`, else the body as text. */
function reasonOf(raw: unknown): string | undefined {
  let body = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (!isRecord(body)) return typeof raw === 'string' ? raw : undefined;
  const error = body.error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  for (const field of [error, body.message, body.detail]) if (typeof field === 'string') return field;
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}
