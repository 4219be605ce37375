import type { components } from '@aerostack/spec/types';

export type AiMessage = components['schemas']['AiMessage'];
export type AiTool = components['schemas']['AiTool'];
export type AiToolCall = components['schemas']['AiToolCall'];
export type AiResponseFormat = components['schemas']['AiResponseFormat'];
export type FinishReason = components['schemas']['AiFinishReason'];

/** Tokens one call used, as the provider reported them (0 when it did not). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One chat call, whatever the provider. */
export interface ChatCall {
  model: string;
  messages: AiMessage[];
  tools?: AiTool[] | undefined;
  toolChoice?: 'auto' | 'none' | 'required' | undefined;
  responseFormat?: AiResponseFormat | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  signal: AbortSignal;
}

export interface ChatOutcome {
  model: string;
  text: string;
  toolCalls: AiToolCall[];
  finishReason: FinishReason;
  usage: TokenUsage;
}

/** What a streamed chat produces, in order: deltas and tool calls, then one `done`. */
export type StreamPart =
  | { type: 'delta'; text: string }
  | { type: 'tool-call'; call: AiToolCall }
  | { type: 'done'; finishReason: FinishReason; usage: TokenUsage };

export interface EmbedOutcome {
  embeddings: number[][];
  inputTokens: number;
}

/**
 * A provider as the service sees it: the Vercel AI SDK's providers (sdk-provider.ts) and the local
 * llama.cpp model (local-provider.ts) implement it. Every method throws `ApiError`s with `ai/*`
 * codes (errors.ts), never a provider's own error.
 */
export interface ChatProvider {
  /** The provider's name, as configured. */
  readonly name: string;
  readonly chatModel: string;
  /** Null when the provider has no embedding model (Anthropic, Groq, an unconfigured endpoint). */
  readonly embeddingModel: string | null;
  chat(call: ChatCall): Promise<ChatOutcome>;
  stream(call: ChatCall): AsyncIterable<StreamPart>;
  embed(texts: string[], model: string, signal: AbortSignal): Promise<EmbedOutcome>;
  close?(): Promise<void>;
}
