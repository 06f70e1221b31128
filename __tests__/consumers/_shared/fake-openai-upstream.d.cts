import type { IncomingHttpHeaders, RequestListener } from 'node:http';

export declare const ANSWER: string;
export declare const USAGE: { prompt_tokens: number; completion_tokens: number; total_tokens: number };

export interface UpstreamRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { model: string; stream?: boolean; [field: string]: unknown } | undefined;
}

export interface FakeUpstream {
  /** Ends with `/v1`, as `OPENAI_BASE_URL` does. */
  baseUrl: string;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

export declare function startFakeUpstream(): Promise<FakeUpstream>;
export declare function listen(app: RequestListener): Promise<{ origin: string; close(): Promise<void> }>;
export declare function checkChatCompletions(url: string, upstream: FakeUpstream, model?: string): Promise<UpstreamRequest[]>;
export declare function deadline(ms?: number): () => void;
