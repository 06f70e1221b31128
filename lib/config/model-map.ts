import { ProviderRouterError } from '../errors';

/** One rule of `PROVIDER_MODEL_MAP`: models matching `pattern` go to `provider`. */
export interface ModelMapRule {
  /** The pattern as written, `*` matching any run of characters. */
  readonly pattern: string;
  readonly matcher: GlobMatcher;
  readonly provider: string;
  /** The model name sent upstream; the requested name when absent. */
  readonly upstreamModel: string | undefined;
}

const RULE_SHAPE = 'pattern=provider or pattern=provider:upstream-model';

/**
 * Parses `PROVIDER_MODEL_MAP`: comma-separated `pattern=provider` or
 * `pattern=provider:upstream-model` rules, `*` matching any run of characters.
 *
 * @example parseModelMap('fast=openai:gpt-4o-mini,team-*=openrouter')
 * @throws ProviderRouterError (`invalid_config`) naming the first malformed rule.
 */
export function parseModelMap(text: string): ModelMapRule[] {
  const rules: ModelMapRule[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const equals = entry.indexOf('=');
    const pattern = entry.slice(0, equals).trim();
    const target = entry.slice(equals + 1).trim();
    const colon = target.indexOf(':');
    const provider = (colon === -1 ? target : target.slice(0, colon)).trim();
    const upstreamModel = colon === -1 ? undefined : target.slice(colon + 1).trim();
    // An upstream model holding `=` or a line break is the next rule, parted by something other than a comma.
    const upstreamIsBad = upstreamModel === '' || (upstreamModel !== undefined && /[=\p{Cc}]/u.test(upstreamModel));
    if (equals <= 0 || !pattern || !/^[a-z][a-z0-9_-]*$/.test(provider) || upstreamIsBad) {
      throw new ProviderRouterError('invalid_config', `rule "${entry}" is not ${RULE_SHAPE} (example: fast=openai:gpt-4o-mini,team-*=openrouter)`);
    }
    rules.push({ pattern, matcher: globMatcher(pattern), provider, upstreamModel });
  }
  return rules;
}

/** Whether a model matches a rule's pattern. */
export interface GlobMatcher {
  test(model: string): boolean;
}

/**
 * `*` matches any run of characters; everything else matches itself. Matched without a regular
 * expression: `^a.*-.*-.*-.*-b$` backtracks over every split of a model that does not match, and a
 * client's 256-character model against a pattern of five `*` held the event loop for a minute.
 * Each literal part is found at its leftmost place after the one before, which for `*` alone
 * decides a match in one pass.
 */
export function globMatcher(pattern: string): GlobMatcher {
  const parts = pattern.split('*');
  return { test: (model) => matchesParts(parts, model) };
}

function matchesParts(parts: readonly string[], model: string): boolean {
  const first = parts[0] ?? '';
  if (parts.length === 1) return model === first;
  const last = parts[parts.length - 1] ?? '';
  const end = model.length - last.length;
  if (end < first.length || !model.startsWith(first) || !model.endsWith(last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = model.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
