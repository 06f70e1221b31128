/** An `options.env` with every value as text, and the variables whose values cannot be text. */
export interface EnvAsText {
  env: Record<string, string | undefined>;
  problems: string[];
}

/**
 * `env` as `process.env` would hold it: a number, boolean or bigint (`PROVIDER_TIMEOUT_MS: 500`
 * from a plain-JavaScript host) becomes its text, as assigning it to `process.env` would make it,
 * and `null` is unset. Any other value (an object, a function) of a variable the router reads
 * (`isRead`) is named as a problem instead of failing inside a validator with a `TypeError` that
 * names nothing; one of a variable it does not read is left out.
 * An `env` of text only is returned as it is.
 */
export function envAsText(env: Record<string, unknown>, isRead: (name: string) => boolean): EnvAsText {
  const names = Object.keys(env);
  if (names.every((name) => typeof env[name] === 'string' || env[name] === undefined)) {
    return { env: env as Record<string, string | undefined>, problems: [] };
  }
  const text: Record<string, string | undefined> = {};
  const problems: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (typeof value === 'string') text[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text[name] = String(value);
    else if (value !== undefined && value !== null && isRead(name))
      problems.push(`${name}: expected text (a string, as process.env holds), not ${kindOf(value)}`);
  }
  return { env: text, problems };
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
