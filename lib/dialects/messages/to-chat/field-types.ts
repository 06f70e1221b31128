import { isRecord } from '../../../is-record';
import { isBoolean, isString, numberIn, type FieldType } from '../../field-types';

/**
 * The type each Messages setting carried to a chat completions provider must have: a value of the
 * wrong type is refused, as Anthropic refuses it, without the thinking or sampling it asked for
 * (Anthropic's error shape has no `param`).
 */
export const MESSAGES_SETTING_TYPES: readonly FieldType[] = [
  { field: 'temperature', holds: numberIn(), expected: 'a number' },
  { field: 'top_p', holds: numberIn(), expected: 'a number' },
  { field: 'top_k', holds: numberIn(), expected: 'a number' },
  { field: 'stream', holds: isBoolean, expected: 'a boolean' },
  { field: 'metadata', holds: isRecord, expected: 'an object ({user_id})' },
  { field: 'metadata.user_id', holds: isString, expected: 'a string' },
  { field: 'thinking', holds: isRecord, expected: 'an object ({type, budget_tokens})' },
  { field: 'thinking.budget_tokens', holds: numberIn(), expected: 'a number' },
  { field: 'output_config', holds: isRecord, expected: 'an object ({effort, format})' },
  // A string the router does not know is read as `medium` (docs/translation.md): a value Anthropic adds
  // later, sent by a newer Claude Code, is still served.
  { field: 'output_config.effort', holds: isString, expected: 'a string (low, medium, high, xhigh or max)' },
  { field: 'tool_choice', holds: isRecord, expected: 'an object with a `type`' },
  { field: 'tool_choice.disable_parallel_tool_use', holds: isBoolean, expected: 'a boolean' },
];
