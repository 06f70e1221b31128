import { isRecord } from '../../../is-record';
import { isBoolean, isString, numberIn, type FieldType } from '../../field-types';

/**
 * The type each carried Responses setting must have, and how its 400 says so: a value of the wrong
 * type is refused, as OpenAI refuses it (`param` names the field).
 */
export const RESPONSES_SETTING_TYPES: readonly FieldType[] = [
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
