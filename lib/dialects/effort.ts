/**
 * Reasoning effort as the router carries it between dialects (DESIGN section 10): the chat
 * completions `reasoning_effort` values, which every other form maps to and from.
 */
export type Effort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

const EFFORTS: readonly string[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/** `value` when it is an effort the router knows. */
export function asEffort(value: unknown): Effort | undefined {
  return typeof value === 'string' && EFFORTS.includes(value) ? (value as Effort) : undefined;
}

/** The effort a thinking budget stands for: >=16384 max, >=8192 xhigh, >=4096 high, >=2048 medium, >=1024 low, else minimal. */
export function effortOfBudget(budget: number): Effort {
  if (budget >= 16384) return 'max';
  if (budget >= 8192) return 'xhigh';
  if (budget >= 4096) return 'high';
  if (budget >= 2048) return 'medium';
  if (budget >= 1024) return 'low';
  return 'minimal';
}

/** The thinking budget for an effort: minimal and low 1024, medium 2048, high 4096, xhigh 8192, max 16384. */
export function budgetOfEffort(effort: Effort): number {
  switch (effort) {
    case 'none':
      return 0;
    case 'minimal':
    case 'low':
      return 1024;
    case 'medium':
      return 2048;
    case 'high':
      return 4096;
    case 'xhigh':
      return 8192;
    case 'max':
      return 16384;
  }
}
