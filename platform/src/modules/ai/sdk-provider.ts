import {
  type EmbeddingModel,
  embedMany,
  generateText,
  jsonSchema,
  type LanguageModel,
  type ModelMessage,
  Output,
  streamText,
  type ToolSet,
  tool,
} from 'ai';
import type { AiConfig, AiProviderName } from '../../config.js';
import { ApiError } from '../../http/problem.js';
import { providerProblem } from './errors.js';
import type {
  AiMessage,
  AiToolCall,
  ChatCall,
  ChatOutcome,
  ChatProvider,
  EmbedOutcome,
  FinishReason,
  StreamPart,
} from './provider.js';

// The SDK's warnings (an unsupported setting for a provider) go to the console, outside the
// platform's structured log; the answer itself carries what matters.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type RemoteProvider = Exclude<AiProviderName, 'local'>;

/** The models a provider uses when the operator names none (decision 0041). */
const DEFAULT_MODELS: Record<RemoteProvider, { chat: string; embedding: string | null }> = {
  openai: { chat: 'gpt-4o-mini', embedding: 'text-embedding-3-small' },
  anthropic: { chat: 'claude-3-5-haiku-latest', embedding: null },
  google: { chat: 'gemini-2.0-flash', embedding: 'text-embedding-004' },
  groq: { chat: 'llama-3.1-8b-instant', embedding: null },
  'openai-compatible': { chat: '', embedding: null },
};

interface Models {
  language(id: string): LanguageModel;
  embedding: ((id: string) => EmbeddingModel) | null;
}

/**
 * The provider's client from the Vercel AI SDK (loaded only when configured). The OpenAI provider
 * speaks Chat Completions, the API every OpenAI-compatible server also speaks.
 */
async function models(name: RemoteProvider, config: AiConfig): Promise<Models> {
  const apiKey = config.apiKey ?? undefined;
  const baseURL = config.baseUrl ?? undefined;
  switch (name) {
    case 'openai': {
      const { createOpenAI } = await import('@ai-sdk/openai');
      const p = createOpenAI({ apiKey, baseURL });
      return { language: (id) => p.chat(id), embedding: (id) => p.embedding(id) };
    }
    case 'anthropic': {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      const p = createAnthropic({ apiKey, baseURL });
      return { language: (id) => p.languageModel(id), embedding: null };
    }
    case 'google': {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      const p = createGoogleGenerativeAI({ apiKey, baseURL });
      return { language: (id) => p.languageModel(id), embedding: (id) => p.embedding(id) };
    }
    case 'groq': {
      const { createGroq } = await import('@ai-sdk/groq');
      const p = createGroq({ apiKey, baseURL });
      return { language: (id) => p.languageModel(id), embedding: null };
    }
    case 'openai-compatible': {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const p = createOpenAICompatible({
        name: 'openai-compatible',
        apiKey,
        baseURL: baseURL ?? '',
        includeUsage: true,
      });
      return { language: (id) => p.chatModel(id), embedding: (id) => p.embeddingModel(id) };
    }
  }
}

/** Our messages as the AI SDK's: tool calls and results as parts, tool names looked up by call id. */
export function toModelMessages(messages: AiMessage[]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): ModelMessage => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content ?? '' };
      case 'user':
        return { role: 'user', content: m.content ?? '' };
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        for (const call of calls) toolNames.set(call.id, call.name);
        if (calls.length === 0) return { role: 'assistant', content: m.content ?? '' };
        return {
          role: 'assistant',
          content: [
            ...(m.content ? [{ type: 'text' as const, text: m.content }] : []),
            ...calls.map((call) => ({
              type: 'tool-call' as const,
              toolCallId: call.id,
              toolName: call.name,
              input: call.arguments,
            })),
          ],
        };
      }
      default: {
        const toolCallId = m.toolCallId ?? '';
        const toolName = m.toolName ?? toolNames.get(toolCallId);
        if (!m.toolCallId || !toolName) {
          throw new ApiError(
            'request/invalid-body',
            'A tool message needs the toolCallId of an earlier assistant tool call (or a toolName).',
          );
        }
        return {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId, toolName, output: { type: 'text', value: m.content ?? '' } },
          ],
        };
      }
    }
  });
}

function toolsOf(call: ChatCall): ToolSet | undefined {
  if (!call.tools?.length) return undefined;
  return Object.fromEntries(
    call.tools.map((t) => [
      t.name,
      tool({
        ...(t.description ? { description: t.description } : {}),
        inputSchema: jsonSchema(t.parameters as Parameters<typeof jsonSchema>[0]),
      }),
    ]),
  );
}

function outputOf(call: ChatCall) {
  const format = call.responseFormat;
  if (format?.type !== 'json') return undefined;
  return format.schema
    ? Output.object({
        schema: jsonSchema(format.schema as Parameters<typeof jsonSchema>[0]),
        ...(format.name ? { name: format.name } : {}),
      })
    : Output.json();
}

const FINISH: readonly FinishReason[] = ['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other'];
const finishOf = (reason: string | undefined): FinishReason =>
  FINISH.includes(reason as FinishReason) ? (reason as FinishReason) : 'other';

const tokens = (n: number | undefined) =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0;

const toolCallOf = (c: { toolCallId: string; toolName: string; input: unknown }): AiToolCall => ({
  id: c.toolCallId,
  name: c.toolName,
  arguments: (c.input ?? {}) as AiToolCall['arguments'],
});

/** A signal that aborts with the caller's and after the deadline; `timedOut()` tells which. */
function deadline(signal: AbortSignal, timeoutMs: number) {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: AbortSignal.any([signal, timeout]),
    timedOut: () => timeout.aborted && !signal.aborted,
  };
}

/** A provider of the Vercel AI SDK behind the platform's `ChatProvider`. */
export async function createSdkProvider(name: RemoteProvider, config: AiConfig): Promise<ChatProvider> {
  const m = await models(name, config);
  const defaults = DEFAULT_MODELS[name];
  const chatModel = config.chatModel ?? defaults.chat;
  const embeddingModel = m.embedding ? (config.embeddingModel ?? defaults.embedding) : null;

  const settings = (call: ChatCall, signal: AbortSignal) => {
    const output = outputOf(call);
    const tools = toolsOf(call);
    return {
      model: m.language(call.model),
      messages: toModelMessages(call.messages),
      // System messages are the caller's to send (a secret key's backend; an end user only as the
      // project lets them call AI at all): decision 0041.
      allowSystemInMessages: true,
      // The platform does not retry: a 429 goes back with its Retry-After, and clients retry.
      maxRetries: 0,
      abortSignal: signal,
      ...(tools ? { tools, toolChoice: call.toolChoice ?? 'auto' } : {}),
      ...(output ? { output } : {}),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...(call.maxOutputTokens !== undefined ? { maxOutputTokens: call.maxOutputTokens } : {}),
    };
  };

  return {
    name,
    chatModel,
    embeddingModel,

    async chat(call): Promise<ChatOutcome> {
      const limit = deadline(call.signal, config.timeoutMs);
      try {
        const result = await generateText(settings(call, limit.signal));
        return {
          model: result.response.modelId || call.model,
          text: result.text,
          toolCalls: result.toolCalls.map(toolCallOf),
          finishReason: finishOf(result.finishReason),
          usage: {
            inputTokens: tokens(result.totalUsage.inputTokens),
            outputTokens: tokens(result.totalUsage.outputTokens),
          },
        };
      } catch (error) {
        throw providerProblem(error, limit.timedOut());
      }
    },

    async *stream(call): AsyncGenerator<StreamPart> {
      const limit = deadline(call.signal, config.timeoutMs);
      let failure: unknown;
      const result = streamText({
        ...settings(call, limit.signal),
        onError: ({ error }) => {
          failure = error;
        },
      });
      try {
        for await (const part of result.fullStream) {
          switch (part.type) {
            case 'text-delta':
              if (part.text !== '') yield { type: 'delta', text: part.text };
              break;
            case 'tool-call':
              yield { type: 'tool-call', call: toolCallOf(part) };
              break;
            case 'error':
              throw part.error;
            case 'finish':
              yield {
                type: 'done',
                finishReason: finishOf(part.finishReason),
                usage: {
                  inputTokens: tokens(part.totalUsage.inputTokens),
                  outputTokens: tokens(part.totalUsage.outputTokens),
                },
              };
              return;
            default:
              break;
          }
        }
        if (failure !== undefined) throw failure;
        if (limit.signal.aborted && !call.signal.aborted) throw limit.signal.reason;
        throw new ApiError(
          'ai/provider-invalid-response',
          'The AI provider ended the stream without finishing.',
        );
      } catch (error) {
        if (call.signal.aborted) return;
        throw providerProblem(error, limit.timedOut());
      }
    },

    async embed(texts, model, signal): Promise<EmbedOutcome> {
      if (!m.embedding) throw new Error('no embedding model');
      const limit = deadline(signal, config.timeoutMs);
      try {
        const result = await embedMany({
          model: m.embedding(model),
          values: texts,
          maxRetries: 0,
          abortSignal: limit.signal,
        });
        return { embeddings: result.embeddings, inputTokens: tokens(result.usage?.tokens) };
      } catch (error) {
        throw providerProblem(error, limit.timedOut());
      }
    },
  };
}
