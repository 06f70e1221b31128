import { isRecord } from '../../is-record';

/**
 * The stop sequence that ended a choice, where the provider names it: vLLM's `stop_reason` and
 * SGLang's `matched_stop` hold the stop string (or a stop token's number, which no Messages client
 * asked for). Undefined when the provider names none.
 */
export function matchedStopSequenceOf(choice: unknown): string | undefined {
  if (!isRecord(choice)) return undefined;
  for (const value of [choice.stop_reason, choice.matched_stop]) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}
