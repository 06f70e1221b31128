export { createProviderRouter, type ProviderRouter } from './create-provider-router';
export { ProviderRouterError, type ProviderRouterErrorCode } from './errors';
export type {
  ConversationLogger,
  HeaderDirection,
  HeaderMap,
  ProviderRouterOptions,
  RouterLogger,
  ScrubHeadersContext,
  ScrubHeadersHook,
} from './options';
export {
  defineProvider,
  type Dialect,
  type ModelListContext,
  type ProviderAdapter,
  type ProviderModel,
  type UpstreamRequestContext,
} from './providers/provider-adapter';
export { createOpenAICompatibleProvider, type OpenAICompatibleProviderSettings } from './providers/openai-compatible';
export { createAnthropicProvider, type AnthropicProviderSettings } from './providers/anthropic';
export { createOpenAIProvider, type OpenAIProviderSettings } from './providers/openai';
export { createOpenRouterProvider, type OpenRouterProviderSettings } from './providers/openrouter';
export { createLocalProvider, type LocalProviderSettings } from './providers/local';
export { RouterTelemetry, type TelemetryEventName } from './telemetry/emitter';
export type {
  Endpoint,
  ModelsErrorEvent,
  RequestEndEvent,
  RequestOutcome,
  RequestStartEvent,
  TelemetryEvent,
  TelemetryEventMap,
  TokenUsage,
} from './telemetry/events';
export type { MergedModel } from './models/merge-models';
export { instrumentOpenTelemetry, type SpanLike, type TracerLike } from './telemetry/open-telemetry';
