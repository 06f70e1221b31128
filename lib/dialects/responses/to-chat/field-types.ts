import { isRecord } from '../../../is-record';
import { isBoolean, isString, numberIn, refuseWrongTypes as refuse, type FieldType } from '../../field-types';

/** The type each carried Responses setting must have, and how its 400 says so. */
const TYPES: readonly FieldType[] = [
  { field: 'temperature', holds: numberIn(), expected: 'a number' },
  { field: 'top_p', holds: numberIn(), expected: 'a number' },
  { field: 'parallel_tool_calls', holds: isBoolean, expected: 'a boolean' },
  { field: 'stream', holds: isBoolean, expected: 'a boolean' },
  { field: 'user', holds: isString, expected: 'a string' },
  { field: 'safety_identifier', holds: isString, expected: 'a string' },
  { field: 'tools', holds: Array.isArray, expected: 'an array of tools' },
  { field: 'reasoning', holds: isRecord, expected: 'an object ({effort, summary})' },
  { field: 'reasoning.effort', holds: isString, expected: 'a string' },
];

/**
 * Refuses a setting the translation carries whose value is not of its type, as OpenAI refuses it:
 * leaving it out would serve the request as if the client had not asked (DESIGN section 9), say
 * at the provider's default temperature. A field set to `null` is not set.
 * @throws ProviderRouterError 400 `invalid_request`, `param` naming the field.
 */
export function refuseWrongTypes(body: Record<string, unknown>): void {
  refuse(body, TYPES);
}
