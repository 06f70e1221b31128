import { createHash, randomBytes } from 'node:crypto';

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

/** Who made a tool call: the provider, and the model as the router sent it upstream. */
export interface CallOrigin {
  provider: string;
  model: string;
}

/**
 * The longest id a carrying id may be: OpenAI's Responses API refuses a longer `call_id`
 * (`string_above_max_length`), and a conversation moved there, or to Anthropic, goes with the ids
 * the client holds.
 */
const MAX_ID_LENGTH = 64;
/** The tag of the origin, and the random part, after the prefix (base64url characters). */
const TAG_LENGTH = 6;
const RANDOM_LENGTH = 8;

/**
 * A replacement id of the router's own that carries the provider's `id`, so that the call goes
 * back to the provider under the id it gave: Kimi reads its `functions.Bash:0` ids in the
 * conversation, and models copy the id format they see there. After `prefix` come a tag of the
 * origin (only its provider and model get the id back: Anthropic, say, refuses Kimi's ids and a
 * conversation's repeated `call_0`s), a random part that keeps two replacements of one id apart,
 * and the id in base64url: characters every API takes in an id. An id too long to carry within
 * {@link MAX_ID_LENGTH} characters gets `fresh()`.
 */
export function carryingId(prefix: string, id: string, origin: CallOrigin, fresh: () => string): string {
  const carried = Buffer.from(id).toString('base64url');
  if (prefix.length + TAG_LENGTH + RANDOM_LENGTH + carried.length > MAX_ID_LENGTH) return fresh();
  return prefix + tagOf(origin) + randomBytes(6).toString('base64url') + carried;
}

/**
 * The provider's id a {@link carryingId} with `prefix` carries, when `origin` made it; any other
 * id as it is, one that only looks like a carrying id included.
 */
export function carriedId(prefix: string, id: string, origin: CallOrigin): string {
  if (!id.startsWith(prefix) || id.slice(prefix.length, prefix.length + TAG_LENGTH) !== tagOf(origin)) return id;
  const carried = id.slice(prefix.length + TAG_LENGTH + RANDOM_LENGTH);
  const text = Buffer.from(carried, 'base64url').toString('utf8');
  // Read back only what the router wrote: another string decodes too, and two could become one.
  return carried !== '' && Buffer.from(text).toString('base64url') === carried ? text : id;
}

/**
 * Reads back the carried ids of one request's conversation, in order ({@link carriedId}), so that
 * a call and its result get one id, and no two calls one: an id the conversation already uses
 * (the provider's `call_0` of an earlier turn, or of a later one when the client dropped the turn
 * that made the router replace it) keeps the router's id instead.
 */
export class CarriedIds {
  readonly #read = new Map<string, string>();
  readonly #used = new Set<string>();
  readonly #sent: ReadonlySet<string>;

  /** @param sent the call ids of the client's conversation, wherever they are in it. */
  constructor(
    private readonly prefix: string,
    private readonly origin: CallOrigin | undefined,
    sent: Iterable<string> = [],
  ) {
    this.#sent = new Set(sent);
  }

  /** The id the upstream gets for a call (or its result) the client sent with `id`. */
  read(id: string): string {
    const known = this.#read.get(id);
    if (known !== undefined) return known;
    const carried = this.origin ? carriedId(this.prefix, id, this.origin) : id;
    const result = carried !== id && (this.#used.has(carried) || this.#sent.has(carried)) ? id : carried;
    this.#read.set(id, result);
    this.#used.add(result);
    return result;
  }
}

/** A short digest of the origin: equal tags, one provider and model. */
function tagOf(origin: CallOrigin): string {
  return createHash('sha256').update(`${origin.provider}\n${origin.model}`).digest('base64url').slice(0, TAG_LENGTH);
}
