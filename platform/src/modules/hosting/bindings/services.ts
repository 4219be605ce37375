import type { components } from '@aerostack/spec/types';
import type { JsonValue } from '../../cache/store.js';
import type { Operation } from './index.js';

// env.QUEUE (Queues), env.AI (Workers AI), env.VECTORIZE (Vectorize) over the project's queue,
// AI provider and vector indexes: the services behind /v1/queue, /v1/ai and /v1/vector.

type Schemas = components['schemas'];

/** Cloudflare's bound on one sendBatch. */
const MAX_BATCH = 100;

export const queue: Record<string, Operation> = {
  /** Each message is a job of the producer's queue (the job type its consumers lease). */
  async send({ services, call, args }) {
    const messages = args.messages as { body: unknown; delaySeconds?: unknown }[];
    if (!Array.isArray(messages) || messages.length > MAX_BATCH)
      throw new TypeError(`A batch holds 1 to ${MAX_BATCH} messages.`);
    for (const m of messages) {
      await services.queue.enqueue(call.projectId, {
        type: call.binding.target,
        payload: (m.body ?? null) as Schemas['JsonValue'],
        delaySeconds: typeof m.delaySeconds === 'number' ? m.delaySeconds : 0,
      });
    }
  },
};

/** Workers AI's model names (`@cf/…`) mean "a chat model": the platform's configured one answers. */
const modelOf = (model: unknown): string | undefined =>
  typeof model === 'string' && !model.startsWith('@cf/') && !model.startsWith('@hf/') ? model : undefined;

export const ai: Record<string, Operation> = {
  /** `{ messages }` or `{ prompt }` → `{ response }`; `{ text }` → `{ shape, data }` (embeddings). */
  async run({ services, call, args }) {
    const input = (args.input ?? {}) as { messages?: unknown; prompt?: unknown; text?: unknown };
    const usage = { projectId: call.projectId, keyId: null };
    if (input.text !== undefined) {
      const texts = Array.isArray(input.text) ? input.text.map(String) : [String(input.text)];
      const model = modelOf(args.model);
      const result = await services.ai.embed(texts, { usage, ...(model ? { model } : {}) });
      const data = result.embeddings.map((e) => Array.from(e));
      return { shape: [data.length, data[0]?.length ?? 0], data };
    }
    const messages =
      input.messages ??
      (typeof input.prompt === 'string' ? [{ role: 'user', content: input.prompt }] : undefined);
    if (!Array.isArray(messages)) throw new TypeError('The input needs messages, a prompt or a text.');
    const completion = await services.ai.chat(
      { messages: messages as Schemas['AiChatRequest']['messages'], model: modelOf(args.model) },
      usage,
      AbortSignal.timeout(services.config.hosting.runtime.wallMs),
    );
    return {
      response: completion.text,
      usage: {
        prompt_tokens: completion.usage.inputTokens,
        completion_tokens: completion.usage.outputTokens,
        total_tokens: completion.usage.inputTokens + completion.usage.outputTokens,
      },
    } as JsonValue;
  },
};

/** The vector API's bounds on ids (its spec's `VectorId`, and a list of them). */
function vectorIds(value: unknown, max = 1000): string[] {
  if (!Array.isArray(value) || value.length > max)
    throw new TypeError(`ids is an array of at most ${max} ids.`);
  for (const id of value)
    if (typeof id !== 'string' || id.length === 0 || id.length > 256)
      throw new TypeError('A vector id is a string of 1 to 256 characters.');
  return value as string[];
}

/** Vectorize's metadata choice (`true`, `'all'`, `'indexed'`) as the platform's include flag. */
const wantsMetadata = (value: unknown): boolean => value === true || value === 'all' || value === 'indexed';

export const vectorize: Record<string, Operation> = {
  async upsert({ services, call, args }) {
    const vectors = (args.vectors ?? []) as { id: string; values: number[]; metadata?: unknown }[];
    if (!Array.isArray(vectors)) throw new TypeError('upsert takes an array of vectors.');
    // How many vectors one call may write is the vector service's to say (AEROSTACK_VECTOR_MAX_BATCH).
    vectorIds(
      vectors.map((v) => v?.id),
      Number.POSITIVE_INFINITY,
    );
    const input = vectors.map((v) => ({
      id: v.id,
      values: Array.from(v.values),
      ...(v.metadata === undefined ? {} : { metadata: v.metadata as Schemas['VectorMetadata'] }),
    }));
    await services.vector.upsert(call.projectId, call.binding.target, input);
    return { mutationId: crypto.randomUUID(), count: input.length, ids: input.map((v) => v.id) };
  },
  async query({ services, call, args }) {
    const options = (args.options ?? {}) as Record<string, unknown>;
    const matches = await services.vector.query(call.projectId, call.binding.target, {
      vector: args.vector as number[],
      topK: typeof options.topK === 'number' ? options.topK : 5,
      ...(options.filter === undefined ? {} : { filter: options.filter as Schemas['VectorFilter'] }),
      includeValues: options.returnValues === true,
      includeMetadata: wantsMetadata(options.returnMetadata),
    });
    return { matches, count: matches.length } as unknown as JsonValue;
  },
  async getByIds({ services, call, args }) {
    const ids = vectorIds(args.ids);
    return (await services.vector.getVectors(
      call.projectId,
      call.binding.target,
      ids,
    )) as unknown as JsonValue;
  },
  async deleteByIds({ services, call, args }) {
    const ids = vectorIds(args.ids);
    const deleted = await services.vector.deleteVectors(call.projectId, call.binding.target, { ids });
    return { mutationId: crypto.randomUUID(), count: deleted, ids };
  },
  async describe({ services, call }) {
    const index = await services.vector.get(call.projectId, call.binding.target);
    const count = await services.vector.count(call.projectId, call.binding.target);
    return { ...index, vectorsCount: count } as unknown as JsonValue;
  },
};
