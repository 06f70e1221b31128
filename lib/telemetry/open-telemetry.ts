import type { RouterTelemetry } from './emitter';
import type { Endpoint, RequestEndEvent, RequestStartEvent } from './events';
import { requestKeyOf } from './request-identity';

/** The part of an OpenTelemetry `Span` the bridge uses (from `@opentelemetry/api`). */
export interface SpanLike {
  setAttributes(attributes: Record<string, string | number | boolean | string[]>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the bridge uses: `trace.getTracer('my-app')` fits. */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: Record<string, string | number | boolean> }): SpanLike;
}

/** OpenTelemetry's SpanKind.CLIENT and SpanStatusCode.ERROR, without importing the API. */
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/** GenAI semantic conventions' `gen_ai.operation.name` per endpoint. */
const OPERATION: Record<Endpoint, string> = {
  'chat.completions': 'chat',
  messages: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  'messages.count_tokens': 'count_tokens',
  responses: 'chat',
};

/**
 * Opts into OpenTelemetry: one CLIENT span per routed request, with the GenAI semantic-convention
 * attributes (`gen_ai.provider.name`, `gen_ai.operation.name`, `gen_ai.request.model`,
 * `gen_ai.response.model`, `gen_ai.usage.input_tokens` / `output_tokens`,
 * `gen_ai.response.finish_reasons`), ending with the request. Returns a function that stops it.
 *
 * @example
 * import { trace } from '@opentelemetry/api';
 * instrumentOpenTelemetry(router.telemetry, trace.getTracer('chat-backend'));
 */
export function instrumentOpenTelemetry(telemetry: RouterTelemetry, tracer: TracerLike): () => void {
  // By request, not by `requestId`: two requests in flight may carry the same client `x-request-id`.
  const spans = new Map<object | string, SpanLike>();
  const onStart = (event: RequestStartEvent): void => {
    const operation = OPERATION[event.endpoint];
    spans.set(
      requestKeyOf(event),
      tracer.startSpan(`${operation} ${event.upstreamModel}`, {
        kind: SPAN_KIND_CLIENT,
        attributes: {
          'gen_ai.provider.name': event.provider,
          'gen_ai.operation.name': operation,
          'gen_ai.request.model': event.upstreamModel,
          'express_provider_router.model': event.model,
          'express_provider_router.endpoint': event.endpoint,
          'express_provider_router.stream': event.stream,
          'express_provider_router.request_id': event.requestId,
        },
      }),
    );
  };
  const onEnd = (event: RequestEndEvent): void => {
    const key = requestKeyOf(event);
    const span = spans.get(key);
    if (!span) return;
    spans.delete(key);
    const attributes: Record<string, string | number | boolean | string[]> = {
      'gen_ai.response.model': event.responseModel ?? event.upstreamModel,
      'http.response.status_code': event.status,
      'express_provider_router.outcome': event.outcome,
    };
    if (event.usage) {
      attributes['gen_ai.usage.input_tokens'] = event.usage.promptTokens;
      attributes['gen_ai.usage.output_tokens'] = event.usage.completionTokens;
    }
    if (event.finishReason) attributes['gen_ai.response.finish_reasons'] = [event.finishReason];
    if (event.costUsd !== undefined) attributes['express_provider_router.cost_usd'] = event.costUsd;
    span.setAttributes(attributes);
    if (event.outcome === 'error') {
      span.setAttributes({ 'error.type': event.error?.type ?? String(event.status) });
      span.setStatus({ code: STATUS_ERROR, message: event.error?.message });
    }
    span.end();
  };
  telemetry.on('request.start', onStart);
  telemetry.on('request.end', onEnd);
  return () => {
    telemetry.off('request.start', onStart);
    telemetry.off('request.end', onEnd);
    for (const span of spans.values()) span.end();
    spans.clear();
  };
}
