import type { ModelMapRule } from '../config/model-map';
import type { ProviderAdapter, ProviderModel } from '../providers/provider-adapter';
import type { ProviderModelList } from './model-catalog';
import { resolveModel, type RoutingTable } from '../routing/resolve-model';
import { isUsableModel } from '../routing/usable-model';

/** An entry of the merged list: an OpenAI model object with its provider. */
export interface MergedModel {
  /** Routes back to `provider` when sent as `model`. */
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  provider: string;
  /** The provider's own id, when `id` carries a prefix. */
  provider_model_id?: string;
  [field: string]: unknown;
}

/**
 * Merges every provider's list into routable entries: local ones as they are (prefixed `local/`
 * only when a rule would send their id elsewhere), every other provider's as `<provider>/<id>`,
 * then the exact aliases of `PROVIDER_MODEL_MAP` that route to their rule. Each id is listed
 * once, the first time it comes: one id can only route one way. An id the router would refuse as
 * `model` is not listed.
 */
export function mergeModels(lists: ProviderModelList[], table: RoutingTable): MergedModel[] {
  const merged = new Map<string, MergedModel>();
  const add = (entry: MergedModel): void => {
    // An id the router refuses as `model` (a 300-character file path, a control character) cannot route back.
    if (isUsableModel(entry.id) && !merged.has(entry.id)) merged.set(entry.id, entry);
  };
  for (const { provider, models } of lists) {
    for (const model of models) add(toEntry(provider, model, table));
  }
  aliases(table.modelMap, table).forEach(add);
  return [...merged.values()];
}

function toEntry(provider: ProviderAdapter, model: ProviderModel, table: RoutingTable): MergedModel {
  const base = {
    object: 'model' as const,
    created: typeof model.created === 'number' ? model.created : 0,
    owned_by: typeof model.owned_by === 'string' ? model.owned_by : provider.id,
    provider: provider.id,
  };
  if (provider.id === 'local') {
    const id = routesBackToLocal(model.id, table) ? model.id : `local/${model.id}`;
    return { ...model, ...base, id, ...(id !== model.id ? { provider_model_id: model.id } : {}) };
  }
  // Each adapter's list holds the fields worth showing (OpenRouter's is trimmed there).
  const extra: Record<string, unknown> = {};
  for (const field of Object.keys(model)) {
    if (!(field in base) && field !== 'id' && field !== 'object') extra[field] = model[field];
  }
  return { ...extra, ...base, id: `${provider.id}/${model.id}`, provider_model_id: model.id };
}

/**
 * Whether a llama-server model's own id, sent as `model`, reaches it: no rule sends the id to
 * another provider or under another name. When not, it is listed as `local/<id>`.
 */
function routesBackToLocal(id: string, table: RoutingTable): boolean {
  const local = table.providers.get('local');
  if (local && routesTo(id, local, id, table)) return true;
  // With `fallback: 'next'` an id no rule claims goes to the host's own local handler.
  try {
    return resolveModel(id, table).kind === 'next';
  } catch {
    return false;
  }
}

/**
 * The map's exact patterns as entries. A rule that never decides its own pattern is left out: a
 * `<provider>/` prefix or an earlier rule (a wildcard, the same pattern again) takes it first.
 */
function aliases(rules: readonly ModelMapRule[], table: RoutingTable): MergedModel[] {
  const entries: MergedModel[] = [];
  for (const rule of rules) {
    const provider = table.providers.get(rule.provider);
    const upstreamModel = rule.upstreamModel ?? rule.pattern;
    if (rule.pattern.includes('*') || !provider?.enabled || !routesTo(rule.pattern, provider, upstreamModel, table)) continue;
    entries.push({
      id: rule.pattern,
      object: 'model',
      created: 0,
      owned_by: provider.id,
      provider: provider.id,
      provider_model_id: upstreamModel,
      alias_of: `${provider.id}/${upstreamModel}`,
    });
  }
  return entries;
}

/** Whether `model`, sent as `model`, reaches `provider` as `upstreamModel`. */
function routesTo(model: string, provider: ProviderAdapter, upstreamModel: string, table: RoutingTable): boolean {
  try {
    const decision = resolveModel(model, table);
    return decision.kind === 'provider' && decision.provider.id === provider.id && decision.upstreamModel === upstreamModel;
  } catch {
    return false;
  }
}

/** Anthropic's list shape, for clients that sent `anthropic-version`. */
export function toAnthropicModelList(models: MergedModel[]): Record<string, unknown> {
  const data = models.map((model) => ({
    type: 'model',
    id: model.id,
    display_name: typeof model.display_name === 'string' ? model.display_name : typeof model.name === 'string' ? model.name : model.id,
    created_at: isoTimeOf(model.created),
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}

/**
 * `created` (Unix seconds) as Anthropic's RFC 3339 `created_at`. A value past the year 2286 is read
 * as milliseconds, or microseconds (some servers count so); one that still makes no four-digit
 * year is the epoch, so that one odd entry cannot fail the whole list.
 */
function isoTimeOf(created: number): string {
  let seconds = Number.isFinite(created) ? created : 0;
  for (let i = 0; i < 2 && seconds > 1e10; i++) seconds /= 1000;
  const date = new Date(seconds * 1000);
  const year = date.getUTCFullYear();
  return Number.isNaN(year) || year < 0 || year > 9999 ? new Date(0).toISOString() : date.toISOString();
}
