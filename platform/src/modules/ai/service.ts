/**
 * The AI service: chat completions (whole or streamed), embeddings and per-key usage accounting,
 * through the provider the operator configured (Vercel AI SDK providers, or the local llama.cpp
 * model). Other modules reach it as `services.ai`.
 *
 * The contract other modules rely on (the vector module's query-by-text and ingest):
 *
 * ```ts
 * if (services.ai.embeddingAvailable()) {
 *   const { embeddings, model, dimensions } = await services.ai.embed(['some text'], {
 *     usage: { projectId, keyId: principal.credentialId },
 *   });
 * }
 * ```
 *
 * `embed` throws `ApiError('ai/no-provider')` (503) when no embedding model is configured, and
 * the `ai/provider-*` codes when the provider fails, so a caller can let them propagate.
 */

/** Who to charge the tokens to; omitted, the call is not recorded in the usage table. */
export interface UsageOwner {
  projectId: string;
  /** The credential (`key_…`) that made the call, or null (e.g. an end-user session: its user id goes in `userId`). */
  keyId: string | null;
  userId?: string | null;
}

export interface EmbedOptions {
  usage?: UsageOwner;
  signal?: AbortSignal;
  /** A model other than the configured embedding model. */
  model?: string;
}

export interface EmbedResult {
  /** The model that embedded the texts. */
  model: string;
  /** One vector per input text, in input order. */
  embeddings: number[][];
  /** The length of every vector. */
  dimensions: number;
  /** Input tokens the provider counted (0 when it does not say). */
  inputTokens: number;
}

/** The part of the AI service other modules may call. */
export interface AiEmbeddings {
  /** Whether `embed` can work: a provider with an embedding model is configured. */
  embeddingAvailable(): boolean;
  /** Embeds the texts with the configured embedding model (see the module doc for the errors). */
  embed(texts: string[], options?: EmbedOptions): Promise<EmbedResult>;
}
