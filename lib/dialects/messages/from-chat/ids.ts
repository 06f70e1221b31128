import { createHash, randomUUID } from 'node:crypto';
import { isRecord } from '../../../is-record';
import { CarriedIds, carryingId, UniqueIds, type CallOrigin } from '../../unique-ids';

/**
 * The `input` object of a `tool_use` block from an OpenAI tool call's `arguments` string: the
 * parsed object, or `{}` when the string is empty (Anthropic's `input` is always an object) or was
 * cut off by the output limit (`truncated`: the answer then stops with `max_tokens`, as
 * Anthropic's own does).
 *
 * @throws Error naming the tool when the arguments are not a JSON object and were not cut off: a
 * client would run the tool with nothing.
 */
export function parseToolInput(args: string | undefined | null, toolName = '', truncated = false): Record<string, unknown> {
  const input = inputOf(args ?? '');
  if (input) return input;
  if (truncated) return {};
  throw new Error(`the provider sent arguments for tool call "${toolName}" that are not a JSON object`);
}

/** Whether a tool call's `arguments` make an Anthropic `input`: blank, or a JSON object. */
export function isInputObject(args: string): boolean {
  return inputOf(args) !== undefined;
}

/** `arguments` as an `input`: `{}` when blank, the object they hold, or undefined when they hold none. */
function inputOf(args: string): Record<string, unknown> | undefined {
  if (args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `toolu_` id for a tool call an upstream sent without one; the client echoes it back as the
 * `tool_use_id` of its result, so it must be unique.
 */
export function generatedToolUseId(): string {
  return `toolu_${randomUUID().replace(/-/g, '')}`;
}

/**
 * The characters Anthropic takes in a `tool_use` id: a conversation replayed to it with any other
 * (Kimi numbers its calls `functions.Bash:0`) is refused with a 400.
 */
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * The `tool_use` ids of one translated answer, none of them one of `taken` ({@link toolUseIdsIn}) or
 * another's, and each one Anthropic would take. A provider's id that cannot be kept is carried
 * inside the replacement when the answer's `origin` is known ({@link carriedToolUseIds} reads it
 * back for that origin only).
 */
export function toolUseIds(taken: Iterable<string> = [], origin?: CallOrigin): UniqueIds {
  const replacing = origin ? (id: string) => carryingId(CARRYING_PREFIX, id, origin, generatedToolUseId) : generatedToolUseId;
  return new UniqueIds(generatedToolUseId, taken, (id) => TOOL_USE_ID.test(id), replacing);
}

/** The start of a `tool_use` id of the router's that carries the provider's id ({@link carryingId}). */
const CARRYING_PREFIX = 'toolu_epr';

/** Reads back, for `origin`, the provider's ids in the `tool_use` ids the router replaced ({@link CarriedIds}). */
export function carriedToolUseIds(origin: CallOrigin | undefined, messages: unknown): CarriedIds {
  return new CarriedIds(CARRYING_PREFIX, origin, toolUseIdsIn(messages));
}

/**
 * A history's tool call id as Anthropic takes it, the same for the call and its result: as it is
 * when Anthropic would take it, else its other characters made `_` plus a digest of the whole id,
 * so that two ids never become one (`functions.Bash:0` and `functions_Bash_0` stay apart).
 */
export function anthropicToolUseId(id: string): string {
  if (TOOL_USE_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 12);
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_')}_${digest}`;
}

/**
 * The `tool_use` ids of one chat history as Anthropic takes them ({@link anthropicToolUseId}), no
 * two calls with one: some servers number their calls per answer (`call_0` in every turn), which
 * chat completions takes and Anthropic refuses (`tool_use` ids must be unique). A repeated id gets
 * a numbered suffix, the same for the same history (a prompt cache reads the same prefix again),
 * and a tool message answering it gets the id of the earliest call of its id still unanswered.
 */
export class HistoryToolUseIds {
  readonly #used = new Set<string>();
  readonly #unanswered = new Map<string, string[]>();
  readonly #latest = new Map<string, string>();
  /**
   * The first suffix of each id not known to be taken: ids are only ever added, so the search goes
   * on from there. Begun at 2 each time, a history of thousands of `call_0` took seconds to read.
   */
  readonly #nextSuffix = new Map<string, number>();

  /** The id of the `tool_use` block for a call the history sent with `id`. */
  call(id: string): string {
    const base = anthropicToolUseId(id);
    let unique = base;
    if (this.#used.has(base)) {
      let n = this.#nextSuffix.get(base) ?? 2;
      while (this.#used.has(`${base}_${n}`)) n++;
      unique = `${base}_${n}`;
      this.#nextSuffix.set(base, n + 1);
    }
    this.#used.add(unique);
    this.#latest.set(id, unique);
    const unanswered = this.#unanswered.get(id);
    if (unanswered) unanswered.push(unique);
    else this.#unanswered.set(id, [unique]);
    return unique;
  }

  /** The `tool_use_id` of the `tool_result` block for a tool message answering `id`. */
  result(id: string): string {
    return this.#unanswered.get(id)?.shift() ?? this.#latest.get(id) ?? anthropicToolUseId(id);
  }
}

/** The ids of the `tool_use` blocks in a Messages request's assistant turns. */
export function toolUseIdsIn(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  const ids: string[] = [];
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (isRecord(block) && block.type === 'tool_use' && typeof block.id === 'string') ids.push(block.id);
    }
  }
  return ids;
}

/**
 * A `msg_` id of the router's own for a translated answer. Not made from the upstream's id: some
 * servers repeat theirs (Ollama draws from a thousand), and Claude Code merges messages that share
 * an id, which sends it round a tool loop for good.
 */
export function generatedMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}
