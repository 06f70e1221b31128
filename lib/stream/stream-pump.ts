import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createParser } from 'eventsource-parser';
import { upstreamError } from '../dialects/chat/stream-codec';
import { isRecord } from '../is-record';
import type { StreamError } from '../dialects/dialect';
import { isUnreadable, type SseEvent, type StreamCodec, type StreamContext } from '../dialects/stream-codec';
import type { Redactor } from '../http/redactor';
import { observeSafely, type ResponseObserver } from '../telemetry/response-summary';
import { quoteText } from '../http/quote-text';
import { isEventLine, SseFramer } from './sse-framer';
import type { EncodedTranslation } from './translated-stream';

/** How a pumped stream ended. */
export interface StreamEnding {
  outcome: 'ok' | 'error';
  error?: StreamError;
}

/** What the pump needs for one streamed response. Headers have been sent already. */
export interface StreamPumpInput<U> {
  /** The upstream's body, decoded when it came compressed. */
  upstream: Readable;
  res: ServerResponse;
  /** Decodes each upstream event once, for the observer and the translation. */
  upstreamCodec: StreamCodec<U>;
  observer: ResponseObserver<U>;
  /** Translated: the client gets these frames. Absent: the upstream's frames pass through as they are. */
  translation: EncodedTranslation<U, unknown> | undefined;
  /** On passthrough, each event as the client gets it: the same (its frame byte for byte), `null` (left out), another one, or several. */
  editEvent: ((event: U) => U | U[] | null) | undefined;
  redactor: Redactor;
  idleTimeoutMs: number;
  /**
   * The frames the upstream would have streamed for a body that held no event, when that body is
   * a whole answer it sent instead (some servers ignore `stream: true`); undefined when it is none.
   */
  wholeAnswer?: ((body: string) => string | undefined) | undefined;
  /** When the router itself cut the upstream connection (its `close()`), the error that says so. */
  cutByRouter?: (() => StreamError | undefined) | undefined;
  /** The first text or tool call arrived. */
  onFirstOutput(): void;
  /** The first reasoning delta arrived. */
  onFirstReasoning(): void;
  /** The first bytes were written to the client: its headers went with them. */
  onFirstWrite(): void;
  onEnd(ending: StreamEnding): void;
}

/** An upstream event larger than this ends the stream: a broken or hostile upstream. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Moves an upstream SSE stream to the client as it arrives, frame by frame. Each event is decoded
 * once and read by the observer (usage, finish reason, text) and, when translating, by the
 * translation; passthrough frames go on byte for byte. Ends the client's stream with an error
 * frame when the upstream fails, falls silent for `idleTimeoutMs` while the router is reading, or
 * stops before its terminator. Backpressure from the client pauses the upstream, and the idle
 * timer with it.
 */
export function pumpStream<U>(input: StreamPumpInput<U>): void {
  const { upstream, res, upstreamCodec, observer, translation, redactor } = input;
  const decoder = new TextDecoder('utf-8');
  let framer = new SseFramer();
  let parsed: SseEvent[] = [];
  let parserError: string | undefined;
  const parser = createParser({
    onEvent: (event) => parsed.push({ event: event.event, data: event.data }),
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') parserError = error.message;
    },
    maxBufferSize: MAX_EVENT_BYTES,
  });
  let finished = false;
  let sawOutput = false;
  /** An upstream event arrived: a stream that ends with none may have been a JSON body. */
  let sawEvent = false;
  let idleTimer: NodeJS.Timeout | undefined;
  /** The client holds the stream back: the upstream is paused, and its silence does not count. */
  let heldBack = false;

  const armIdleTimer = (): void => {
    // refresh() restarts the running timer: cheaper than a new one for every chunk.
    if (idleTimer && !heldBack) {
      idleTimer.refresh();
      return;
    }
    heldBack = false;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      // Past the terminator only the rest of the body was being drained: the upstream keeps its
      // response open, and would hold the socket for good.
      if (finished) {
        upstream.destroy();
        return;
      }
      fail({
        message: `The upstream sent nothing for ${input.idleTimeoutMs} ms (PROVIDER_IDLE_TIMEOUT_MS); the stream was ended`,
        type: 'timeout_error',
      });
    }, input.idleTimeoutMs);
  };

  /** Ends the stream with `tail`, the last frames the client gets, in the same write as the end. */
  const finish = (ending: StreamEnding, tail = ''): void => {
    if (finished) return;
    finished = true;
    upstream.off('data', onData);
    noteFirstOutput();
    if (!res.destroyed) {
      if (tail !== '' && !res.writableEnded) res.end(redactor.containsSecret(tail) ? redactor.redact(tail) : tail);
      else res.end();
    }
    // After a clean terminator the rest of the body is drained so the socket can be reused, for as
    // long as the upstream may be silent: the idle timer, restarted, ends a response never ended.
    if (ending.outcome === 'ok' && !upstream.readableEnded) {
      armIdleTimer();
      upstream.resume();
    } else {
      clearTimeout(idleTimer);
      if (!upstream.readableEnded) upstream.destroy();
    }
    input.onEnd(ending);
  };

  /** The first and last events passed through, for the router's own error frame. */
  const passed: StreamContext<U> = { first: undefined, last: undefined, count: 0 };

  /** Ends the stream after `before` with the router's own error frame in the client's dialect. */
  const fail = (error: StreamError, before = ''): void => {
    const safe = redactor.redactValue(error);
    finish({ outcome: 'error', error: safe }, before + failureFrames(safe));
  };

  /** The client's last frames for the router's error: what a client that got nothing yet needs first, then the error. */
  const failureFrames = (safe: StreamError): string => {
    const errorEvent = upstreamCodec.errorEvent(safe, passed);
    if (!translation) {
      const opening = passed.first === undefined ? upstreamCodec.opening?.(errorEvent) : undefined;
      return (opening ? upstreamCodec.encode(opening) : '') + upstreamCodec.encode(errorEvent);
    }
    // Through the translator, as the upstream's own error would go: it knows what the client still
    // needs first (a Responses client reads nothing before `response.created`).
    const translated = translation.push(errorEvent);
    return translated !== '' ? translated : translation.client.encode(translation.client.errorEvent(safe, translation.sent));
  };

  let sawReasoning = false;
  const noteFirstOutput = (): void => {
    if (!sawReasoning && observer.summary.sawReasoning) {
      sawReasoning = true;
      input.onFirstReasoning();
    }
    if (!sawOutput && observer.summary.sawOutput) {
      sawOutput = true;
      input.onFirstOutput();
    }
  };

  let wroteAny = false;
  const write = (text: string): void => {
    noteFirstOutput();
    if (text === '' || res.writableEnded || res.destroyed) return;
    const safe = redactor.containsSecret(text) ? redactor.redact(text) : text;
    if (!wroteAny) {
      wroteAny = true;
      input.onFirstWrite();
    }
    // Hosts wrap `res.write` in request loggers, and not every wrapper returns what it wraps: only
    // `false`, or a full buffer when the wrapper said nothing, means the client is slow. A wrapper's
    // `undefined` read as `false` would wait for a drain that never comes.
    const accepted: unknown = res.write(safe);
    if (accepted === false || (accepted !== true && res.writableNeedDrain)) {
      // The client is slow: the upstream waits, and its silence is not held against it.
      upstream.pause();
      clearTimeout(idleTimer);
      heldBack = true;
      res.once('drain', () => {
        if (finished) return;
        armIdleTimer();
        upstream.resume();
      });
    }
  };

  /**
   * When `text`, all the upstream sent before any event, is a whole answer (an upstream that
   * ignored `stream: true`), writes `before` and then the stream it would have sent for it.
   */
  const streamedWholeAnswer = (text: string, before: string): boolean => {
    const frames = res.writableEnded || res.destroyed ? undefined : input.wholeAnswer?.(text);
    if (frames === undefined) return false;
    write(before);
    framer = new SseFramer();
    pump(frames, true);
    return true;
  };

  /** Reads every frame `text` completes and writes what the client gets, or ends the stream. */
  const pump = (text: string, final: boolean): void => {
    let out = '';
    const frames = framer.push(text, final);
    // A frame that never ends must not make the router hold unbounded data.
    if (framer.pendingLength > MAX_EVENT_BYTES) {
      fail({ message: `The upstream sent an event larger than ${MAX_EVENT_BYTES} bytes`, type: 'upstream_error' });
      return;
    }
    for (const frame of frames) {
      parser.feed(frame);
      if (parserError !== undefined) {
        fail({ message: `The upstream sent an event larger than ${MAX_EVENT_BYTES} bytes`, type: 'upstream_error' }, out);
        return;
      }
      const events = parsed;
      parsed = [];
      if (events.length === 0) {
        // A whole answer that ends with a blank line is framed as a frame of no event.
        if (!sawEvent && streamedWholeAnswer(frame, out)) return;
        // Redacted before it is read: the error's message is the frame's text, cut.
        const frameError = upstreamCodec.errorOfFrame?.(redactor.redact(frame));
        if (frameError) {
          fail(frameError, out);
          return;
        }
        // A frame of comments or blank lines carries no event: passed on; when translating, a frame of
        // comments (the upstream's keep-alive) becomes the router's own, and blank lines are left out.
        // An `event:` line without data is no event either (SSE), but SDKs such as `openai` read it
        // as one and fail parsing its empty data: it is left out.
        if (!translation && !namesAnEvent(frame)) out += frame;
        else if (translation && isCommentFrame(frame)) out += translation.keepAlive();
      }
      for (const sse of events) {
        const event = upstreamCodec.decode(sse);
        sawEvent = true;
        observeSafely(observer, event);
        if (!translation && isUnreadable(event)) {
          // Passed on, the frame would fail the client's SDK before it read the router's error frame.
          fail(
            upstreamCodec.errorOf(event) ?? { message: 'The upstream sent a stream event the router could not read', type: 'upstream_error' },
            out,
          );
          return;
        }
        if (translation) {
          const translated = translation.push(event);
          out += translated === '' && upstreamCodec.isKeepAlive?.(event) === true ? translation.keepAlive() : translated;
          if (translation.error || translation.done) {
            finish(translation.error ? { outcome: 'error', error: redactor.redactValue(translation.error) } : { outcome: 'ok' }, out);
            return;
          }
          continue;
        }
        const edited = input.editEvent ? input.editEvent(event) : event;
        if (Array.isArray(edited)) {
          for (const each of edited) {
            out += upstreamCodec.encode(each);
            passed.first ??= each;
            passed.last = each;
            passed.count++;
          }
        } else if (edited !== null) {
          // An upstream that fails at once: a client that reads nothing before the stream's opening
          // (a Responses client) gets it first, then the upstream's failure as it came, numbered
          // after it.
          const failsAtOnce = passed.first === undefined && upstreamCodec.upstreamErrorIsFinal(edited) && upstreamCodec.errorOf(edited) !== undefined;
          const opening = failsAtOnce ? upstreamCodec.opening?.(edited) : undefined;
          if (opening) {
            const failed = upstreamCodec.afterOpening?.(edited, opening) ?? edited;
            out += upstreamCodec.encode(opening) + upstreamCodec.encode(failed);
            passed.first = opening;
            passed.last = failed;
            passed.count += 2;
          } else {
            out += edited === event && (upstreamCodec.passesFrame?.(sse) ?? true) ? frame : upstreamCodec.encode(edited);
            passed.first ??= edited;
            passed.last = edited;
            passed.count++;
          }
        }
        const error = upstreamCodec.errorOf(event);
        if (error) {
          // A dialect whose clients cannot read the upstream's own error frame gets the router's after it.
          if (upstreamCodec.upstreamErrorIsFinal(event)) finish({ outcome: 'error', error: redactor.redactValue(error) }, out);
          else fail(error, out);
          return;
        }
        if (upstreamCodec.isEnd(event)) {
          finish({ outcome: 'ok' }, out);
          return;
        }
      }
    }
    write(out);
  };

  const onData = (chunk: Buffer): void => {
    armIdleTimer();
    try {
      pump(decoder.decode(chunk, { stream: true }), false);
    } catch (error) {
      // An upstream event the router cannot read must not crash the host.
      fail({ message: `The upstream sent a stream the router could not read: ${(error as Error).message}`, type: 'upstream_error' });
    }
  };

  armIdleTimer();
  upstream.on('data', onData);
  upstream.on('end', () => {
    if (finished) {
      clearTimeout(idleTimer);
      return;
    }
    try {
      pump(decoder.decode(), true);
      // A body of no event, labelled a stream, may be the whole answer of an upstream that ignored `stream: true`.
      if (!sawEvent) streamedWholeAnswer(framer.pending, '');
    } catch (error) {
      fail({ message: `The upstream sent a stream the router could not read: ${(error as Error).message}`, type: 'upstream_error' });
      return;
    }
    fail(
      sawEvent
        ? { message: 'The upstream stream ended before its terminator; the answer is incomplete', type: 'upstream_error' }
        : // Redacted before it is quoted: a key cut at the quote's end would no longer be found.
          notAStream(redactor.redact(framer.pending)),
    );
  });
  upstream.on('error', (error) =>
    fail(input.cutByRouter?.() ?? { message: `The upstream connection failed mid-stream: ${error.message}`, type: 'upstream_error' }),
  );
  upstream.on('close', () => {
    if (finished) clearTimeout(idleTimer);
    else if (!upstream.readableEnded) fail(input.cutByRouter?.() ?? { message: 'The upstream connection closed mid-stream', type: 'upstream_error' });
  });
}

/** Whether a frame that dispatched no event has an `event:` line all the same. */
function namesAnEvent(frame: string): boolean {
  return frame.split(/\r\n|\r|\n/).some(isEventLine);
}

/** A frame of SSE comments only (OpenRouter's `: OPENROUTER PROCESSING`), the upstream's keep-alive. */
function isCommentFrame(frame: string): boolean {
  const lines = frame.split(/\r\n|\r|\n/).filter((line) => line !== '');
  return lines.length > 0 && lines.every((line) => line.startsWith(':'));
}

/**
 * The failure of a "stream" that held no event: an answer sent with `text/event-stream` that is a
 * JSON body (its error's message, when it is an error; an answer was streamed by `wholeAnswer`), or
 * text that is no stream at all (a proxy's `Internal Server Error`, quoted). A body that begins as
 * SSE was cut off.
 */
function notAStream(text: string): StreamError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const quoted = quoteText(text);
    if (quoted !== '' && !/^(data|event|id|retry|):/.test(quoted)) {
      return { message: `The upstream answered a streamed request with text that is no stream: ${quoted}`, type: 'upstream_error' };
    }
    return { message: 'The upstream stream ended before its terminator; the answer is incomplete', type: 'upstream_error' };
  }
  const error = isRecord(body) ? body.error : undefined;
  if (error !== undefined && error !== null) return upstreamError(error, 'upstream_error');
  return { message: 'The upstream answered a streamed request with JSON that is neither a stream nor an answer', type: 'upstream_error' };
}
