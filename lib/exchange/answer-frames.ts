import { dialectModule } from '../dialects/registry';
import { withoutBom } from '../http/without-bom';
import type { ExchangePlan } from './plan-exchange';

/**
 * The SSE frames, in the upstream's dialect, that the upstream would have streamed for `answer`,
 * a whole answer it sent to a streamed request instead; undefined when `answer` is no answer of
 * its dialect.
 */
export function answerFrames(plan: ExchangePlan, answer: unknown): string | undefined {
  const dialect = dialectModule(plan.upstreamDialect);
  const events = dialect.answerAsEvents(answer, plan.upstreamBody, plan.translation !== undefined);
  return events?.map((event) => dialect.stream.encode(event)).join('');
}

/** {@link answerFrames} of a body as text: undefined when it is not JSON, or no answer. */
export function answerFramesOfText(plan: ExchangePlan, text: string): string | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(withoutBom(text));
  } catch {
    return undefined;
  }
  return answerFrames(plan, answer);
}
