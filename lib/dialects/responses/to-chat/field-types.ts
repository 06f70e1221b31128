import { invalidRequest } from '../../../errors';
import { isRecord } from '../../../is-record';
import { isSet } from '../../../is-set';

/** The type each carried setting must have, and how its 400 says so. */
const TYPES: readonly { field: string; holds: (value: unknown) => boolean; expected: string }[] = [
  { field: 'temperature', holds: (value) => typeof value === 'number' && Number.isFinite(value), expected: 'a number' },
  { field: 'top_p', holds: (value) => typeof value === 'number' && Number.isFinite(value), expected: 'a number' },
  { field: 'parallel_tool_calls', holds: (value) => typeof value === 'boolean', expected: 'a boolean' },
  { field: 'stream', holds: (value) => typeof value === 'boolean', expected: 'a boolean' },
  { field: 'user', holds: (value) => typeof value === 'string', expected: 'a string' },
  { field: 'safety_identifier', holds: (value) => typeof value === 'string', expected: 'a string' },
  { field: 'tools', holds: Array.isArray, expected: 'an array of tools' },
  { field: 'reasoning', holds: isRecord, expected: 'an object ({effort, summary})' },
];

/**
 * Refuses a setting the translation carries whose value is not of its type, as OpenAI refuses it:
 * leaving it out would serve the request as if the client had not asked (DESIGN section 9), say
 * at the provider's default temperature. A field set to `null` is not set.
 * @throws ProviderRouterError 400 `invalid_request`, `param` naming the field.
 */
export function refuseWrongTypes(body: Record<string, unknown>): void {
  for (const { field, holds, expected } of TYPES) {
    if (isSet(body[field]) && !holds(body[field])) throw invalidRequest(`\`${field}\` must be ${expected}.`, field);
  }
  const effort = isRecord(body.reasoning) ? body.reasoning.effort : undefined;
  if (isSet(effort) && typeof effort !== 'string') throw invalidRequest('`reasoning.effort` must be a string.', 'reasoning.effort');
}
