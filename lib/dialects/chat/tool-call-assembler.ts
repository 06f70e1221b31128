import { isRecord } from '../../is-record';
import { argumentsText } from './tool-arguments';

/** A tool call as its fragments arrive. */
export interface AssembledCall {
  /** The upstream's `index`, for ordering. */
  order: number;
  id: string | undefined;
  name: string;
  /** Argument text not yet handed on. */
  heldArguments: string;
  /** Its item or block has been started: its name is final, its arguments are handed on as they come. */
  started: boolean;
  /**
   * No more of its name can come: arguments came after (or with) a piece of it, or a later call
   * began after it. Until then a name may still be arriving in pieces, and a block started on it
   * would carry a cut name.
   */
  nameSettled: boolean;
  /** The call's `extra_content` (Gemini's thought signature), from whichever fragment brought it. */
  extraContent?: Record<string, unknown> | undefined;
}

/**
 * Gathers the fragments of a chat stream's tool calls (DESIGN section 9): keyed by `index`, a new
 * `id` at a known index being a new call (some servers send every call at index 0); a call's
 * `name` may come after its `id`, in pieces, and its arguments before either. Translators start
 * calls in index order, each once it is {@link ToolCallAssembler.isReady}
 * ({@link ToolCallAssembler.next}), and hold the rest.
 */
export class ToolCallAssembler {
  readonly #byIndex = new Map<number, AssembledCall>();
  readonly calls: AssembledCall[] = [];

  /** Adds one fragment (`position`: its place in the chunk, for a fragment without `index`); returns its call. */
  add(fragment: Record<string, unknown>, position: number): AssembledCall {
    const order = typeof fragment.index === 'number' ? fragment.index : position;
    const fn = isRecord(fragment.function) ? fragment.function : {};
    const id = typeof fragment.id === 'string' && fragment.id !== '' ? fragment.id : undefined;
    let call = this.#byIndex.get(order);
    if (!call || (id !== undefined && call.id !== undefined && id !== call.id)) {
      for (const earlier of this.calls) if (earlier.name !== '') earlier.nameSettled = true;
      call = { order, id: undefined, name: '', heldArguments: '', started: false, nameSettled: false };
      this.#byIndex.set(order, call);
      this.calls.push(call);
    }
    call.id ??= id;
    if (isRecord(fragment.extra_content)) call.extraContent = { ...call.extraContent, ...fragment.extra_content };
    // A name comes whole or in pieces; some servers repeat the whole name with the id that follows it.
    if (typeof fn.name === 'string' && !call.started && fn.name !== call.name) call.name += fn.name;
    const args = argumentsText(fn.arguments);
    if (args !== undefined && args !== '') {
      call.heldArguments += args;
      // Arguments after (or with) a name close it; arguments before any name say nothing of it.
      if (call.name !== '') call.nameSettled = true;
    }
    return call;
  }

  /** Its id and its whole name are known and it has not started. */
  static isReady(call: AssembledCall): boolean {
    return !call.started && call.id !== undefined && call.name !== '' && call.nameSettled;
  }

  /** The arguments held so far, handed over once. */
  static takeArguments(call: AssembledCall): string {
    const held = call.heldArguments;
    call.heldArguments = '';
    return held;
  }

  /** The calls not started yet, in index order. */
  waiting(): AssembledCall[] {
    return this.calls.filter((call) => !call.started).sort((a, b) => a.order - b.order);
  }

  /**
   * The call to start next, if it is ready: the first not started yet, in index order. A ready
   * call waits while one before it still lacks its id or name, or has not been announced at all
   * (chat `index`es count the calls from 0: a call at index 1 means there is one at 0), so that
   * blocks come in index order. A call whose lower indexes never come starts when the stream ends.
   */
  next(): AssembledCall | undefined {
    const [first] = this.waiting();
    if (!first || !ToolCallAssembler.isReady(first)) return undefined;
    for (let order = 0; order < first.order; order++) if (!this.#byIndex.has(order)) return undefined;
    return first;
  }
}
