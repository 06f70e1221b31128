import { credentialsIn } from '../config/adapter-credentials';
import type { RouterLogger } from '../options';
import type { Redactor } from '../http/redactor';
import { isTransportHeader } from '../http/header-policy';
import type { ProviderAdapter, ProviderModel } from '../providers/provider-adapter';
import type { RouterTelemetry } from '../telemetry/emitter';
import { isoTimestamp } from '../telemetry/timestamp';
import { checkedModels } from './checked-models';
import { fetchJson, type Agents } from './fetch-json';

/** How the catalog caches and waits. */
export interface CatalogSettings {
  ttlMs: number;
  /** How long one provider's list may take before the merged list is served without it. */
  timeoutMs: number;
  /** Fixed lists by provider id, served instead of asking the provider. */
  staticModels: ReadonlyMap<string, string[]>;
}

/** A refresh that takes longer than this is abandoned. */
const REFRESH_LIMIT_MS = 30_000;

/** One provider's model list, as the catalog hands it to the merge. */
export interface ProviderModelList {
  provider: ProviderAdapter;
  models: ProviderModel[];
}

/** A provider that fetches its own model list. */
type ListingProvider = ProviderAdapter & Required<Pick<ProviderAdapter, 'listModels'>>;

interface CacheEntry {
  /** The latest list fetched; undefined when the latest fetch failed. */
  models: ProviderModel[] | undefined;
  fetchedAt: number;
  /** The latest fetch failed: the next failure is reported, but not logged again. */
  failing: boolean;
  /** The refresh in flight: resolves with its list, or undefined once it failed or ran out of time. */
  inflight: Promise<ProviderModel[] | undefined> | undefined;
}

/** Each enabled provider's raw model list: cached, single-flight, fault-isolated. */
export class ModelCatalog {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #closed = new AbortController();

  constructor(
    private readonly providers: readonly ProviderAdapter[],
    private readonly settings: CatalogSettings,
    private readonly telemetry: RouterTelemetry,
    private readonly redactor: Redactor,
    private readonly logger: RouterLogger | undefined,
    private readonly agents: Agents,
  ) {}

  /** The lists of every provider that answered in time; one whose latest fetch failed is left out. */
  async lists(): Promise<ProviderModelList[]> {
    const { staticModels } = this.settings;
    const sources: { provider: ProviderAdapter; models: Promise<ProviderModel[] | undefined> }[] = [];
    for (const provider of this.providers) {
      if (!provider.enabled) continue;
      const fixed = staticModels.get(provider.id);
      if (fixed) sources.push({ provider, models: Promise.resolve(fixed.map((id) => ({ id, owned_by: provider.id }))) });
      else if (hasModelList(provider)) sources.push({ provider, models: this.#listOf(provider) });
    }
    const results = await Promise.all(sources.map((source) => source.models));
    return sources.map(({ provider }, index) => ({ provider, models: results[index] ?? [] }));
  }

  /** Stops refreshes in flight. */
  close(): void {
    this.#closed.abort();
  }

  #listOf(provider: ListingProvider): Promise<ProviderModel[] | undefined> {
    const entry = this.#cache.get(provider.id) ?? { models: undefined, fetchedAt: 0, failing: false, inflight: undefined };
    this.#cache.set(provider.id, entry);
    const now = Date.now();
    if (entry.models && now - entry.fetchedAt < this.settings.ttlMs) return Promise.resolve(entry.models);
    // A failed list is asked for again on the next request: a llama-server still loading its model
    // answers 503, and a picker that polls gets its models as soon as it is up.
    entry.inflight ??= this.#refresh(provider, entry);
    return entry.inflight;
  }

  /** Fetches one provider's list; what it returns settles within the timeout even when the fetch goes on. */
  #refresh(provider: ListingProvider, entry: CacheEntry): Promise<ProviderModel[] | undefined> {
    let reported = false;
    const fail = (message: string): void => {
      entry.models = undefined;
      // A timed-out fetch may fail again later: one report per refresh, and none for close()'s abort.
      if (!reported && !this.#closed.signal.aborted) this.#report(provider, message, !entry.failing);
      reported = true;
      entry.failing = true;
    };
    const fetched = this.#fetch(provider)
      .then(
        (models) => {
          Object.assign(entry, { models, fetchedAt: Date.now(), failing: false });
          return models;
        },
        (error: unknown) => {
          fail(error instanceof Error ? error.message : String(error));
          return undefined;
        },
      )
      .finally(() => {
        clearTimeout(abandon);
        if (entry.inflight === result) entry.inflight = undefined;
      });
    // A host's adapter may ignore the abort signal and never settle: the refresh is then given up,
    // so that a later list asks again rather than waiting on it for good.
    const abandon = setTimeout(() => {
      if (entry.inflight === result) entry.inflight = undefined;
    }, REFRESH_LIMIT_MS);
    abandon.unref();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        fail(`no model list within ${this.settings.timeoutMs} ms`);
        resolve(undefined);
      }, this.settings.timeoutMs);
      timer.unref();
    });
    const result = Promise.race([fetched, timeout]).finally(() => clearTimeout(timer));
    return result;
  }

  async #fetch(provider: ListingProvider): Promise<ProviderModel[]> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...provider.defaultHeaders, ...provider.upstreamHeaders() })) {
      // Framing is the transport's (a `content-length` would make the upstream wait for a body).
      if (!isTransportHeader(name.toLowerCase())) headers[name] = value;
    }
    const signal = AbortSignal.any([this.#closed.signal, AbortSignal.timeout(REFRESH_LIMIT_MS)]);
    const listed: unknown = await provider.listModels({ getJson: (url) => fetchJson(url, headers, signal, this.agents), signal });
    // A provider can echo its key anywhere in its list (an id, `owned_by`): redacted once, cached
    // so, with the key it was sent (a host's adapter may have rotated it since creation).
    return this.redactor.withSecrets(credentialsIn(provider)).redactValue(checkedModels(listed, provider.id));
  }

  /** A `models.error` event for every failure; a log line for the first of a run, so that a polling picker does not flood the log. */
  #report(provider: ProviderAdapter, message: string, log: boolean): void {
    // With the key the list was asked with: a host's adapter may have rotated it since creation.
    const error = this.redactor.withSecrets(credentialsIn(provider)).redact(message);
    if (log) this.logger?.warn(`express-provider-router: model list of "${provider.id}" failed`, { provider: provider.id, error });
    this.telemetry.emit({ type: 'models.error', provider: provider.id, timestamp: isoTimestamp(), error });
  }
}

function hasModelList(provider: ProviderAdapter): provider is ListingProvider {
  return !!provider.listModels;
}
