import { isRecord } from '../../../is-record';
import { arrayOf, integerIn, isBoolean, isOpenAIMetadata, isString, numberIn, oneOf, OPENAI_METADATA, type FieldType } from '../../field-types';

/**
 * The type each Responses setting must have, and OpenAI's range: a value of the wrong type or out
 * of range is refused, as OpenAI refuses it (`param` names the field). The settings the route
 * leaves out (`store`, `include`, `metadata`, `truncation`, ...) are checked too: a request OpenAI
 * refuses must not be served here as if the field had not been sent (an `include` of the wrong
 * type would drop the reasoning envelope asked for).
 */
export const RESPONSES_SETTING_TYPES: readonly FieldType[] = [
  { field: 'temperature', holds: numberIn(0, 2), expected: 'a number from 0 to 2' },
  { field: 'top_p', holds: numberIn(0, 1), expected: 'a number from 0 to 1' },
  // Not OpenAI's minimum of 16: the model behind the bridge is not OpenAI's, and serves a smaller limit.
  { field: 'max_output_tokens', holds: integerIn(1), expected: 'an integer of at least 1' },
  { field: 'parallel_tool_calls', holds: isBoolean, expected: 'a boolean' },
  { field: 'stream', holds: isBoolean, expected: 'a boolean' },
  { field: 'user', holds: isString, expected: 'a string' },
  { field: 'safety_identifier', holds: isString, expected: 'a string' },
  { field: 'tools', holds: Array.isArray, expected: 'an array of tools' },
  { field: 'reasoning', holds: isRecord, expected: 'an object ({effort, summary})' },
  { field: 'reasoning.effort', holds: isString, expected: 'a string' },
  { field: 'store', holds: isBoolean, expected: 'a boolean' },
  // Any string: a value OpenAI adds next (and a client's next version sends) must not break the bridge.
  { field: 'include', holds: arrayOf(isString), expected: 'an array of strings' },
  { field: 'metadata', holds: isOpenAIMetadata, expected: OPENAI_METADATA },
  { field: 'truncation', holds: oneOf('auto', 'disabled'), expected: 'auto or disabled' },
  { field: 'service_tier', holds: isString, expected: 'a string' },
  { field: 'prompt_cache_key', holds: isString, expected: 'a string' },
  { field: 'prompt_cache_retention', holds: isString, expected: 'a string' },
  { field: 'stream_options', holds: isRecord, expected: 'an object' },
];
