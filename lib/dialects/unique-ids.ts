import { randomUUID } from 'node:crypto';

/**
 * The ids of the tool calls of one translated answer: the provider's own where it can be kept, a
 * fresh one where it sent none, or one the conversation or the answer already has. Some servers
 * number their calls per answer (`call_0`, `call_1` in every turn), and clients pair calls with
 * their results by id: Claude Code keeps one call of those that share an id, and the other's call
 * and result are lost from the next turn. An id the client's API would refuse when the
 * conversation is sent back is replaced too.
 */
export class UniqueIds {
  readonly #taken: Set<string>;

  /**
   * @param fresh makes an id of the router's own, unique by itself.
   * @param taken the ids the conversation's turns already use.
   * @param valid whether the client's API takes an id as it is.
   * @param replacing makes an id of the router's own for a provider's id that cannot be kept, one
   *   that may carry the provider's id back to it ({@link fresh} by default).
   */
  constructor(
    private readonly fresh: () => string,
    taken: Iterable<string> = [],
    private readonly valid: (id: string) => boolean = () => true,
    private readonly replacing: (id: string) => string = fresh,
  ) {
    this.#taken = new Set(taken);
  }

  /** The id the client gets for a call the provider sent with `id`. */
  claim(id: unknown): string {
    let kept: string;
    if (typeof id !== 'string' || id === '') kept = this.fresh();
    else if (this.#taken.has(id) || !this.valid(id)) kept = this.replacing(id);
    else kept = id;
    this.#taken.add(kept);
    return kept;
  }
}

/** Longer provider ids are replaced without being carried: the client's id stays short. */
const MAX_CARRIED_BYTES = 64;

/**
 * A replacement id of the router's own that carries the provider's `id` (in hex, after `prefix`),
 * so that the call goes back to the provider under the id it gave: Kimi reads its
 * `functions.Bash:0` ids in the conversation, and models copy the id format they see there. A
 * random part keeps two replacements of one id apart; an id too long to carry gets `fresh()`.
 */
export function carryingId(prefix: string, id: string, fresh: () => string): string {
  const bytes = Buffer.from(id);
  if (bytes.length > MAX_CARRIED_BYTES) return fresh();
  return `${prefix}${bytes.toString('hex')}_${randomUUID().slice(0, 8)}`;
}

/** The provider's id a {@link carryingId} with `prefix` carries; any other id as it is. */
export function carriedId(prefix: string, id: string): string {
  if (!id.startsWith(prefix)) return id;
  const carried = /^([0-9a-f]+)_[0-9a-f]{8}$/.exec(id.slice(prefix.length))?.[1];
  return carried === undefined || carried.length % 2 !== 0 ? id : Buffer.from(carried, 'hex').toString('utf8');
}
