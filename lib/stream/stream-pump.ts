import type { IncomingMessage, ServerResponse } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { ClientDialect } from '../http/error-body';
import type { Redactor } from '../http/redactor';
import { anthropicErrorFrame, openAIErrorFrame } from '../http/sse-frames';
import type { StreamTranslator } from '../dialects/stream-translator';
import { readSafely, type ResponseObserver } from '../telemetry/response-summary';

/** How a pumped stream ended. */
export interface StreamEnding {
  outcome: 'ok' | 'error';
  error?: { message: string; type: string };
}

/** What the pump needs for one streamed response. Headers have been sent already. */
export interface StreamPumpInput {
  upstream: IncomingMessage;
  res: ServerResponse;
  clientDialect: ClientDialect;
  observer: ResponseObserver;
  /** Absent: the upstream's text goes to the client as it is. */
  translator: StreamTranslator | undefined;
  redactor: Redactor;
  idleTimeoutMs: number;
  /** The first text or tool call arrived. */
  onFirstOutput(): void;
  onEnd(ending: StreamEnding): void;
}

/** An upstream event larger than this ends the stream: a broken or hostile upstream. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** The mid-stream error frame in the client's dialect. */
export function errorFrame(dialect: ClientDialect, message: string, type: string): string {
  return dialect === 'anthropic' ? anthropicErrorFrame(message, type) : openAIErrorFrame(message, type);
}

/**
 * Moves an upstream SSE stream to the client chunk by chunk. A parser beside the pipe feeds the
 * observer (usage, finish reason, text) and, when translating, the translator; nothing is held
 * back. Ends the client's stream with an error frame when the upstream fails, falls silent for
 * `idleTimeoutMs`, or stops before its terminator. Backpressure from the client pauses the
 * upstream.
 */
export function pumpStream(input: StreamPumpInput): void {
  const { upstream, res, observer, translator, redactor } = input;
  const decoder = new TextDecoder('utf-8');
  let translated = '';
  let parserError: string | undefined;
  const parser = createParser({
    onEvent(event) {
      readSafely(() => observer.event(event.data, event.event));
      if (translator) translated += translator.push({ event: event.event, data: event.data });
    },
    onComment(comment) {
      if (translator?.comment) translated += translator.comment(comment);
    },
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') parserError = error.message;
    },
    maxBufferSize: MAX_EVENT_BYTES,
  });
  let finished = false;
  let sawOutput = false;
  // Passthrough text after the last newline waits for the rest of its line, so that a key split
  // across two upstream writes is redacted whole. Upstreams write whole events: nothing waits long.
  let partialLine = '';

  const finish = (ending: StreamEnding, frame?: string): void => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    upstream.off('data', onData);
    // A half line before a failure is no event; it would corrupt the error frame after it.
    if (ending.outcome === 'ok') writePartialLine();
    else partialLine = '';
    if (!res.destroyed) {
      if (frame && !res.writableEnded) res.write(frame);
      res.end();
    }
    // After a clean terminator the rest of the body is drained so the socket can be reused.
    if (ending.outcome === 'ok') upstream.resume();
    else if (!upstream.complete) upstream.destroy();
    input.onEnd(ending);
  };

  const fail = (message: string, type: string): void => {
    const safe = redactor.redactValue({ message, type });
    finish({ outcome: 'error', error: safe }, errorFrame(input.clientDialect, safe.message, safe.type));
  };

  const idleTimer = setTimeout(() => {
    fail(`The upstream sent nothing for ${input.idleTimeoutMs} ms (PROVIDER_IDLE_TIMEOUT_MS); the stream was ended`, 'timeout_error');
  }, input.idleTimeoutMs);

  const write = (text: string): void => {
    if (text === '' || res.writableEnded || res.destroyed) return;
    const safe = redactor.containsSecret(text) ? redactor.redact(text) : text;
    if (!res.write(safe)) {
      upstream.pause();
      res.once('drain', () => upstream.resume());
    }
  };

  const writeWholeLines = (text: string): void => {
    const combined = partialLine + text;
    const cut = combined.lastIndexOf('\n') + 1;
    partialLine = combined.slice(cut);
    write(combined.slice(0, cut));
  };

  const writePartialLine = (): void => {
    const rest = partialLine;
    partialLine = '';
    write(rest);
  };

  const onData = (chunk: Buffer): void => {
    idleTimer.refresh();
    try {
      pump(decoder.decode(chunk, { stream: true }));
    } catch (error) {
      // An upstream event the observer or translator cannot read must not crash the host.
      fail(`The upstream sent a stream the router could not read: ${(error as Error).message}`, 'upstream_error');
    }
  };

  const pump = (text: string): void => {
    const errorBefore = observer.summary.error;
    if (parserError === undefined) parser.feed(text);
    if (parserError !== undefined) {
      fail(`The upstream sent an event larger than ${MAX_EVENT_BYTES} bytes`, 'upstream_error');
      return;
    }
    if (!sawOutput && observer.summary.sawOutput) {
      sawOutput = true;
      input.onFirstOutput();
    }
    if (translator) {
      write(translated);
      translated = '';
      if (translator.error) finish({ outcome: 'error', error: translator.error });
      else if (translator.done) finish({ outcome: 'ok' });
      return;
    }
    const streamError = observer.summary.error;
    if (streamError && streamError !== errorBefore) {
      writeWholeLines(text);
      writePartialLine();
      // Anthropic's `event: error` is already the frame its clients read. A chat-completions
      // provider's error sits beside `choices`; clients built for OpenAI read only a frame without
      // `choices` as an error, so the router's own frame follows.
      if (input.clientDialect === 'anthropic') finish({ outcome: 'error', error: redactor.redactValue(streamError) });
      else fail(streamError.message, streamError.type);
      return;
    }
    writeWholeLines(text);
  };

  upstream.on('data', onData);
  upstream.on('end', () => {
    if (finished) return;
    try {
      parser.feed(decoder.decode());
    } catch (error) {
      fail(`The upstream sent a stream the router could not read: ${(error as Error).message}`, 'upstream_error');
      return;
    }
    write(translated);
    const done = translator ? translator.done : observer.summary.done;
    if (done) finish({ outcome: 'ok' });
    else fail('The upstream stream ended before its terminator; the answer is incomplete', 'upstream_error');
  });
  upstream.on('error', (error) => fail(`The upstream connection failed mid-stream: ${error.message}`, 'upstream_error'));
  upstream.on('close', () => {
    if (!upstream.complete) fail('The upstream connection closed mid-stream', 'upstream_error');
  });
}
