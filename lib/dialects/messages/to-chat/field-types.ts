import { isRecord } from '../../../is-record';
import { integerIn, isBoolean, isString, numberIn, type FieldType } from '../../field-types';

/**
 * The type each Messages setting carried to a chat completions provider must have, and Anthropic's
 * range: a value of the wrong type or out of range is refused, as Anthropic refuses it, rather than
 * served without the thinking or sampling it asked for, or with a sampling Anthropic would not
 * serve (Anthropic's error shape has no `param`).
 */
export const MESSAGES_SETTING_TYPES: readonly FieldType[] = [
  // Anthropic's ranges: a chat provider would serve a `temperature` of 1.5 that Anthropic refuses.
  { field: 'temperature', holds: numberIn(0, 1), expected: 'a number from 0 to 1' },
  { field: 'top_p', holds: numberIn(0, 1), expected: 'a number from 0 to 1' },
  { field: 'top_k', holds: integerIn(0), expected: 'an integer of at least 0' },
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
