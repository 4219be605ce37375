import { ApiError } from '../../http/problem.js';
import type { Services } from '../../services.js';
import { createLocalProvider } from './local-provider.js';
import type { ChatCall, ChatOutcome, ChatProvider, StreamPart } from './provider.js';
import { createUsageStore, type UsageStore } from './store.js';

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

/** A chat as the service takes it (the spec's `AiChatRequest`, with a signal). */
export type ChatRequest = Omit<ChatCall, 'model' | 'signal'> & { model?: string | undefined };

export interface ChatCompletion extends ChatOutcome {
  /** The parsed answer when JSON was asked for. */
  json?: unknown;
}

export interface AiService extends AiEmbeddings {
  /** The configured provider's name, or null. */
  readonly provider: string | null;
  /** The models the provider serves by default (the OpenAI-compatible `/models`). */
  models(): string[];
  chat(request: ChatRequest, owner: UsageOwner, signal: AbortSignal): Promise<ChatCompletion>;
  /**
   * A streamed chat. Resolves once the provider has produced its first part, so a failure before
   * any token rejects (and is answered as problem+json); later failures end the iteration with an
   * `ApiError`. Usage is recorded when the stream finishes (a stream cut short counts as a request
   * with no tokens known).
   */
  stream(
    request: ChatRequest,
    owner: UsageOwner,
    signal: AbortSignal,
  ): Promise<{ model: string; parts: AsyncIterable<StreamPart> }>;
  readonly usage: UsageStore;
  close(): Promise<void>;
}

const HOW_TO_CONFIGURE =
  'No AI provider is configured: set AEROSTACK_AI_PROVIDER to openai, anthropic, google, groq or openai-compatible ' +
  '(with AEROSTACK_AI_API_KEY, and AEROSTACK_AI_BASE_URL and AEROSTACK_AI_CHAT_MODEL for openai-compatible), ' +
  'or to local after running scripts/install-local-model.sh.';

/** The parsed JSON answer of a model asked for JSON (tolerating a fenced code block). */
function parseJsonAnswer(text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  try {
    return JSON.parse(fenced ? fenced[1]! : text);
  } catch {
    throw new ApiError(
      'ai/invalid-output',
      'JSON was asked for and the model answered text that does not parse.',
    );
  }
}

/** The AI service for the configuration (decision 0041). */
export async function createAiService(services: Services): Promise<AiService> {
  const { config, logger } = services;
  const ai = config.ai;
  const provider: ChatProvider | null =
    ai.provider === null
      ? null
      : ai.provider === 'local'
        ? createLocalProvider(ai, logger)
        : // The AI SDK loads only when a provider is configured (~25 MB of resident memory otherwise).
          await (await import('./sdk-provider.js')).createSdkProvider(ai.provider, ai);
  const usage = createUsageStore(services.database);

  /** The model a call uses: the one asked for, except on the local provider, which has one model. */
  const modelOf = (p: ChatProvider, asked: string | undefined, fallback: string) =>
    p.name === 'local' ? fallback : (asked ?? fallback);

  const required = (): ChatProvider => {
    if (!provider) throw new ApiError('ai/no-provider', HOW_TO_CONFIGURE);
    return provider;
  };

  const record = async (owner: UsageOwner | undefined, model: string, input: number, output: number) => {
    if (!owner) return;
    try {
      await usage.record({
        projectId: owner.projectId,
        keyId: owner.keyId,
        userId: owner.userId ?? null,
        model,
        inputTokens: input,
        outputTokens: output,
      });
    } catch (error) {
      // The answer is already made; a lost usage row is logged, not turned into a failed call.
      logger.error('ai usage not recorded', { error: String(error) });
    }
  };

  /** Logs what the provider said when it is not one of the failures we name. */
  const reported = (error: unknown): never => {
    if (error instanceof ApiError && error.code === 'ai/provider-error') {
      logger.warn('ai provider error', { provider: provider?.name, detail: error.detail });
    }
    throw error;
  };

  return {
    provider: provider?.name ?? null,

    models() {
      if (!provider) return [];
      return [
        ...new Set([provider.chatModel, ...(provider.embeddingModel ? [provider.embeddingModel] : [])]),
      ];
    },

    embeddingAvailable() {
      return provider?.embeddingModel != null;
    },

    async embed(texts, options = {}) {
      const p = required();
      if (!p.embeddingModel) {
        throw new ApiError(
          'ai/embeddings-unavailable',
          `The ${p.name} provider has no embedding model configured: set AEROSTACK_AI_EMBEDDING_MODEL, or use a provider that embeds (openai, google, openai-compatible, local).`,
        );
      }
      const model = modelOf(p, options.model, p.embeddingModel);
      const outcome = await p
        .embed(texts, model, options.signal ?? new AbortController().signal)
        .catch(reported);
      if (outcome.embeddings.length !== texts.length) {
        throw new ApiError(
          'ai/provider-invalid-response',
          'The AI provider answered a different number of vectors.',
        );
      }
      await record(options.usage, model, outcome.inputTokens, 0);
      return {
        model,
        embeddings: outcome.embeddings,
        dimensions: outcome.embeddings[0]?.length ?? 0,
        inputTokens: outcome.inputTokens,
      };
    },

    async chat(request, owner, signal) {
      const p = required();
      const model = modelOf(p, request.model, p.chatModel);
      const outcome = await p.chat({ ...request, model, signal }).catch(reported);
      await record(owner, model, outcome.usage.inputTokens, outcome.usage.outputTokens);
      return request.responseFormat?.type === 'json' && outcome.toolCalls.length === 0
        ? { ...outcome, json: parseJsonAnswer(outcome.text) }
        : outcome;
    },

    async stream(request, owner, signal) {
      const p = required();
      const model = modelOf(p, request.model, p.chatModel);
      const iterator = p.stream({ ...request, model, signal })[Symbol.asyncIterator]();
      const first = await iterator.next().catch(reported);
      async function* parts(): AsyncGenerator<StreamPart> {
        let counted = false;
        try {
          for (let next = first; !next.done; next = await iterator.next().catch(reported)) {
            const part = next.value;
            if (part.type === 'done') {
              counted = true;
              await record(owner, model, part.usage.inputTokens, part.usage.outputTokens);
            }
            yield part;
          }
        } finally {
          await iterator.return?.();
          // A stream that started and never finished (the client left, the provider broke off)
          // still counts as a request; the provider reports tokens only at the end, so none are known.
          if (!counted) await record(owner, model, 0, 0);
        }
      }
      return { model, parts: parts() };
    },

    usage,

    async close() {
      await provider?.close?.();
    },
  };
}
