import { isRecord } from '../../../is-record';
import { integerIn, isBoolean, isOpenAIMetadata, isString, numberIn, OPENAI_METADATA, type FieldType } from '../../field-types';

const isStop = (value: unknown): boolean => typeof value === 'string' || (Array.isArray(value) && value.every((stop) => typeof stop === 'string'));
const isToolChoice = (value: unknown): boolean => typeof value === 'string' || isRecord(value);

/**
 * The type each chat completions setting carried to Anthropic must have, and OpenAI's range where
 * a value outside it would be served changed (a `temperature` of 3 clamped to Anthropic's 1), or
 * where OpenAI would refuse a setting the translation leaves out: a value of the wrong type is
 * refused, as OpenAI refuses it (`param` names the field).
 */
export const CHAT_SETTING_TYPES: readonly FieldType[] = [
  { field: 'temperature', holds: numberIn(0, 2), expected: 'a number from 0 to 2' },
  { field: 'top_p', holds: numberIn(0, 1), expected: 'a number from 0 to 1' },
  { field: 'top_k', holds: numberIn(0), expected: 'a number of at least 0' },
  { field: 'stop', holds: isStop, expected: 'a string or an array of strings' },
  { field: 'parallel_tool_calls', holds: isBoolean, expected: 'a boolean' },
  { field: 'stream', holds: isBoolean, expected: 'a boolean' },
  { field: 'stream_options', holds: isRecord, expected: 'an object ({include_usage})' },
  { field: 'stream_options.include_usage', holds: isBoolean, expected: 'a boolean' },
  { field: 'user', holds: isString, expected: 'a string' },
  { field: 'safety_identifier', holds: isString, expected: 'a string' },
  { field: 'tools', holds: Array.isArray, expected: 'an array of tools' },
  { field: 'tool_choice', holds: isToolChoice, expected: "'auto', 'none', 'required' or an object naming a tool" },
  { field: 'response_format', holds: isRecord, expected: 'an object ({type})' },
  // Refused when they ask for something: of the wrong type, they would be read as asking nothing.
  { field: 'modalities', holds: Array.isArray, expected: 'an array' },
  { field: 'functions', holds: Array.isArray, expected: 'an array' },
  // Left out (DESIGN section 5), but refused as OpenAI refuses them: a request OpenAI would not
  // serve is not served here as if the field had not been sent.
  { field: 'n', holds: integerIn(1, 128), expected: 'an integer from 1 to 128' },
  { field: 'logprobs', holds: isBoolean, expected: 'a boolean' },
  { field: 'top_logprobs', holds: integerIn(0, 20), expected: 'an integer from 0 to 20' },
  { field: 'seed', holds: integerIn(), expected: 'an integer' },
  { field: 'presence_penalty', holds: numberIn(-2, 2), expected: 'a number from -2 to 2' },
  { field: 'frequency_penalty', holds: numberIn(-2, 2), expected: 'a number from -2 to 2' },
  { field: 'logit_bias', holds: isRecord, expected: 'an object of token ids to numbers' },
  { field: 'store', holds: isBoolean, expected: 'a boolean' },
  { field: 'metadata', holds: isOpenAIMetadata, expected: OPENAI_METADATA },
  { field: 'service_tier', holds: isString, expected: 'a string' },
  { field: 'prompt_cache_key', holds: isString, expected: 'a string' },
];
