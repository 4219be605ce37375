import { existsSync } from 'node:fs';
import type { AiConfig } from '../../config.js';
import { ApiError } from '../../http/problem.js';
import type { Logger } from '../../lib/logger.js';
import type {
  ChatCall,
  ChatOutcome,
  ChatProvider,
  EmbedOutcome,
  FinishReason,
  StreamPart,
} from './provider.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type ChatHistoryItem = import('node-llama-cpp').ChatHistoryItem;

const CONTEXT_TOKENS = 2048;
const DEFAULT_MAX_TOKENS = 256;
/**
 * One thread: llama.cpp's default (every core) spin-waits, and on a machine shared with the
 * platform's own work that measured 60× slower (a 30-token answer: 4.6 s on one thread, 264 s on
 * all, on a loaded 2-core machine). A small model is fast enough on one.
 */
const THREADS = 1;

interface Loaded {
  lib: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  chat: InstanceType<NodeLlamaCpp['LlamaChat']>;
  sequence: ReturnType<Awaited<ReturnType<LlamaModel['createContext']>>['getSequence']>;
  embedding: Awaited<ReturnType<LlamaModel['createEmbeddingContext']>>;
}

/** The conversation as llama.cpp's chat history (the model's chat template formats it). */
function historyOf(call: ChatCall): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const m of call.messages) {
    if (m.role === 'system') history.push({ type: 'system', text: m.content ?? '' });
    else if (m.role === 'user') history.push({ type: 'user', text: m.content ?? '' });
    else if (m.role === 'assistant') history.push({ type: 'model', response: [m.content ?? ''] });
    // A small local model gets a tool's answer as what the user tells it.
    else history.push({ type: 'user', text: m.content ?? '' });
  }
  history.push({ type: 'model', response: [] });
  return history;
}

const finishOf = (reason: string): FinishReason =>
  reason === 'maxTokens' ? 'length' : reason === 'abort' ? 'other' : 'stop';

/**
 * The `local` provider (decision 0041): llama.cpp through node-llama-cpp's prebuilt CPU binary,
 * with a GGUF file installed by scripts/install-local-model.sh. Nothing is downloaded: the binary
 * comes with the npm package and the weights from the operator's install step. The model loads on
 * first use, once per process; calls take turns on its one context (a small model answers fast,
 * and memory stays one context).
 */
export function createLocalProvider(config: AiConfig, logger: Logger): ChatProvider {
  const modelPath = config.localModel;
  const name =
    modelPath
      .split('/')
      .pop()
      ?.replace(/\.gguf$/i, '') ?? 'local';
  let loading: Promise<Loaded> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Loaded> {
    if (!existsSync(modelPath)) {
      throw new ApiError(
        'ai/no-provider',
        `AEROSTACK_AI_PROVIDER=local but the model file ${modelPath} is missing: run scripts/install-local-model.sh (or set AEROSTACK_AI_LOCAL_MODEL).`,
      );
    }
    const lib = await import('node-llama-cpp');
    // The prebuilt CPU binary only: never a build, never a GPU probe, never a download.
    const llama = await lib.getLlama({
      gpu: false,
      build: 'never',
      progressLogs: false,
      logLevel: lib.LlamaLogLevel.error,
    });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: CONTEXT_TOKENS, threads: THREADS });
    const sequence = context.getSequence();
    const chat = new lib.LlamaChat({ contextSequence: sequence });
    const embedding = await model.createEmbeddingContext({ contextSize: 512, threads: THREADS });
    logger.info('local AI model loaded', { model: name });
    return { lib, llama, model, chat, sequence, embedding };
  }

  const loaded = () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };

  /** Runs `task` after the calls before it (one context, one generation at a time). */
  function turn<T>(task: () => Promise<T>): Promise<T> {
    const next = queue.then(task, task);
    queue = next.catch(() => {});
    return next;
  }

  async function generate(
    call: ChatCall,
    onText: (text: string) => void,
  ): Promise<Omit<ChatOutcome, 'model'>> {
    if (call.tools?.length) {
      throw new ApiError(
        'ai/provider-rejected',
        'The local provider does not call tools; use another provider for tools.',
      );
    }
    const l = await loaded();
    return await turn(async () => {
      await l.sequence.clearHistory();
      const before = l.sequence.tokenMeter.getState();
      const json = call.responseFormat?.type === 'json';
      const grammar = json
        ? call.responseFormat?.schema
          ? await l.llama.createGrammarForJsonSchema(call.responseFormat.schema as never)
          : await l.llama.getGrammarFor('json')
        : undefined;
      const result = await l.chat.generateResponse(historyOf(call), {
        maxTokens: call.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        signal: call.signal,
        stopOnAbortSignal: true,
        onTextChunk: onText,
        ...(grammar ? { grammar } : {}),
      });
      const used = l.sequence.tokenMeter.diff(before);
      return {
        text: result.response,
        toolCalls: [],
        finishReason: finishOf(result.metadata.stopReason),
        usage: { inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens },
      };
    });
  }

  return {
    name: 'local',
    chatModel: name,
    embeddingModel: name,

    async chat(call) {
      return { model: name, ...(await generate(call, () => {})) };
    },

    async *stream(call): AsyncGenerator<StreamPart> {
      // The generation's callbacks, turned into an iteration the consumer pulls at its own pace.
      const pending: string[] = [];
      let wake: (() => void) | null = null;
      let outcome: { value?: Omit<ChatOutcome, 'model'>; error?: unknown } | null = null;
      void generate(call, (text) => {
        pending.push(text);
        wake?.();
      }).then(
        (value) => {
          outcome = { value };
          wake?.();
        },
        (error: unknown) => {
          outcome = { error };
          wake?.();
        },
      );
      for (;;) {
        while (pending.length > 0) {
          const text = pending.shift()!;
          if (text !== '') yield { type: 'delta', text };
        }
        const done = outcome as { value?: Omit<ChatOutcome, 'model'>; error?: unknown } | null;
        if (done) {
          if (done.error !== undefined) throw done.error;
          const value = done.value!;
          yield { type: 'done', finishReason: value.finishReason, usage: value.usage };
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },

    async embed(texts): Promise<EmbedOutcome> {
      const l = await loaded();
      return await turn(async () => {
        const embeddings: number[][] = [];
        let inputTokens = 0;
        for (const text of texts) {
          inputTokens += l.model.tokenize(text).length;
          const { vector } = await l.embedding.getEmbeddingFor(text);
          embeddings.push([...vector]);
        }
        return { embeddings, inputTokens };
      });
    },

    async close() {
      const l = await loading?.catch(() => null);
      await l?.llama.dispose();
    },
  };
}
