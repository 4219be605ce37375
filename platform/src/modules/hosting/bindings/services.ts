import type { components } from '@aerostack/spec/types';
import type { StreamPart } from '../../ai/provider.js';
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

/**
 * A streamed chat as Workers AI streams one: server-sent events `data: {"response":"…"}`, a last
 * one with the usage, then `data: [DONE]`. A provider failure after the first token errors the
 * stream (the worker's read rejects); the worker cancelling its read stops the provider.
 */
function streamed(parts: AsyncIterable<StreamPart>): Response {
  const encoder = new TextEncoder();
  const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  async function* events(): AsyncGenerator<Uint8Array> {
    for await (const part of parts) {
      if (part.type === 'delta') yield event({ response: part.text });
      else if (part.type === 'done') {
        const { inputTokens, outputTokens } = part.usage;
        yield event({
          response: '',
          usage: {
            prompt_tokens: inputTokens,
            completion_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
        });
      }
    }
    yield encoder.encode('data: [DONE]\n\n');
  }
  const iterator = events();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

export const ai: Record<string, Operation> = {
  /**
   * `{ messages }` or `{ prompt }` → `{ response }` (with `stream: true`, an event stream);
   * `{ text }` → `{ shape, data }` (embeddings).
   */
  async run({ services, call, args }) {
    const input = (args.input ?? {}) as {
      messages?: unknown;
      prompt?: unknown;
      text?: unknown;
      stream?: unknown;
    };
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
    const request = {
      messages: messages as Schemas['AiChatRequest']['messages'],
      model: modelOf(args.model),
    };
    const deadline = AbortSignal.timeout(services.config.hosting.runtime.wallMs);
    if (input.stream === true) return streamed((await services.ai.stream(request, usage, deadline)).parts);
    const completion = await services.ai.chat(request, usage, deadline);
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

/** A Vectorize write's vectors as the vector service takes them, their ids checked. */
function vectorsOf(value: unknown, op: string): Schemas['VectorInput'][] {
  if (!Array.isArray(value)) throw new TypeError(`${op} takes an array of vectors.`);
  const vectors = value as { id: string; values: number[]; metadata?: unknown }[];
  // How many vectors one call may write is the vector service's to say (AEROSTACK_VECTOR_MAX_BATCH).
  vectorIds(
    vectors.map((v) => v?.id),
    Number.POSITIVE_INFINITY,
  );
  return vectors.map((v) => ({
    id: v.id,
    values: Array.from(v.values),
    ...(v.metadata === undefined ? {} : { metadata: v.metadata as Schemas['VectorMetadata'] }),
  }));
}

const mutation = (ids: string[]) => ({ mutationId: crypto.randomUUID(), count: ids.length, ids });

export const vectorize: Record<string, Operation> = {
  async upsert({ services, call, args }) {
    const input = vectorsOf(args.vectors ?? [], 'upsert');
    await services.vector.upsert(call.projectId, call.binding.target, input);
    return mutation(input.map((v) => v.id));
  },
  /**
   * As Vectorize's insert: vectors whose id the index already holds are left as they are, the
   * others written (`ids` names those). Two inserts of one new id racing both write it.
   */
  async insert({ services, call, args }) {
    const input = vectorsOf(args.vectors ?? [], 'insert');
    const existing = await services.vector.getVectors(
      call.projectId,
      call.binding.target,
      input.map((v) => v.id),
    );
    const held = new Set(existing.map((v) => v.id));
    const fresh = input.filter((v) => !held.has(v.id));
    if (fresh.length > 0) await services.vector.upsert(call.projectId, call.binding.target, fresh);
    return mutation(fresh.map((v) => v.id));
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
    return { ...mutation(ids), count: deleted };
  },
  async describe({ services, call }) {
    const index = await services.vector.get(call.projectId, call.binding.target);
    const count = await services.vector.count(call.projectId, call.binding.target);
    return { ...index, vectorsCount: count } as unknown as JsonValue;
  },
};
