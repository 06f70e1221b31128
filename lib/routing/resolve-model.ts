import type { ModelMapRule } from '../config/model-map';
import { ProviderRouterError } from '../errors';
import type { ProviderAdapter } from '../providers/provider-adapter';

/** Where a request goes: a provider and the model name it is sent under, or the host's `next()`. */
export type RouteDecision = { kind: 'provider'; provider: ProviderAdapter; upstreamModel: string } | { kind: 'next' };

/** Models the built-in rules send to a provider when it is enabled. */
const BUILT_IN_RULES: readonly { matcher: RegExp; provider: string }[] = [
  { matcher: /^claude-/, provider: 'anthropic' },
  { matcher: /^(gpt-|o1|o3|o4|chatgpt-)/, provider: 'openai' },
];

/** The routing table, built once at creation. */
export interface RoutingTable {
  providers: ReadonlyMap<string, ProviderAdapter>;
  modelMap: readonly ModelMapRule[];
  fallback: 'local' | 'next';
}

/**
 * Decides which provider serves `model` (DESIGN.md section 1, "Routing"): a registered
 * `<provider>/` prefix, then `PROVIDER_MODEL_MAP`, then the built-in rules for enabled providers,
 * then the fallback.
 *
 * @throws ProviderRouterError `provider_not_configured` (400) when a prefix or map rule names a
 * provider without its key.
 */
export function resolveModel(model: string, table: RoutingTable): RouteDecision {
  const decision = decideRoute(model, table);
  if (decision.kind === 'provider' && !decision.provider.enabled) throw notConfigured(decision.provider);
  return decision;
}

/**
 * {@link resolveModel}'s decision, a provider without its key included: routing did choose it, so
 * a request to it is answered `provider_not_configured` with the request's telemetry (DESIGN
 * section 6: only requests refused before routing have none).
 */
export function decideRoute(model: string, table: RoutingTable): RouteDecision {
  const slash = model.indexOf('/');
  if (slash > 0) {
    const prefixed = table.providers.get(model.slice(0, slash));
    const rest = model.slice(slash + 1);
    if (prefixed && rest) return { kind: 'provider', provider: prefixed, upstreamModel: rest };
  }

  for (const rule of table.modelMap) {
    if (rule.matcher.test(model)) {
      const provider = table.providers.get(rule.provider);
      if (provider) return { kind: 'provider', provider, upstreamModel: rule.upstreamModel ?? model };
    }
  }

  for (const rule of BUILT_IN_RULES) {
    const provider = table.providers.get(rule.provider);
    if (provider?.enabled && rule.matcher.test(model)) {
      return { kind: 'provider', provider, upstreamModel: model };
    }
  }

  const local = table.providers.get('local');
  if (table.fallback === 'next' || !local) return { kind: 'next' };
  return { kind: 'provider', provider: local, upstreamModel: model };
}

/** The 400 for a request routed to a provider without its key, naming the variable to set. */
export function notConfigured(provider: ProviderAdapter): ProviderRouterError {
  const variable = provider.keyVariable ? `set ${provider.keyVariable}` : 'enable it';
  return new ProviderRouterError(
    'provider_not_configured',
    `Provider "${provider.id}" is not configured: ${variable} on the server to use it.`,
    400,
    'invalid_request_error',
    provider.id,
  );
}
