import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import type { components } from '../generated/openapi';
import type { Http } from '../transport/http-types';
import type {
  Page,
  VectorIndex,
  VectorIngested,
  VectorMatch,
  VectorMetadata,
  VectorMetric,
  VectorRecord,
} from '../types/models';

type Schemas = components['schemas'];

/**
 * A metadata filter: every field must match. A value means equality (same JSON type); an object
 * of operators compares: `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`, `$nin`.
 *
 * @example
 * const filter: VectorFilter = { lang: 'en', year: { $gte: 2020 }, tag: { $in: ['a', 'b'] } };
 */
export type VectorFilter = Record<string, VectorFilterScalar | VectorFilterOperators>;
/** A value a filter compares with. */
export type VectorFilterScalar = string | number | boolean | null;
/** The operators of one filter field. */
export interface VectorFilterOperators {
  $eq?: VectorFilterScalar;
  $ne?: VectorFilterScalar;
  $gt?: string | number;
  $gte?: string | number;
  $lt?: string | number;
  $lte?: string | number;
  $in?: VectorFilterScalar[];
  $nin?: VectorFilterScalar[];
}

/**
 * What a new index needs.
 *
 * @example
 * await client.vector.indexes.create({ name: 'docs', dimension: 384, metric: 'cosine' });
 */
export interface VectorIndexInput {
  /** Lower-case letters, digits, `-` and `_`; unique in the project. */
  name: string;
  /** The length of every vector (1–4096). */
  dimension: number;
  /** `cosine` (default), `euclidean` or `dot`. */
  metric?: VectorMetric | undefined;
  description?: string | undefined;
}

/**
 * A vector to write.
 *
 * @example
 * const v: VectorInput = { id: 'doc-1', values: [0.1, 0.2, 0.3], metadata: { lang: 'en' } };
 */
export interface VectorInput<M extends VectorMetadata = VectorMetadata> {
  id: string;
  values: readonly number[];
  metadata?: M | undefined;
}

/**
 * A nearest-neighbour query: `vector`, or `text` (embedded by the platform's embedding model).
 *
 * @example
 * const matches = await client.vector.query('docs', { text: 'how do I reset my password', topK: 5 });
 */
export interface VectorQueryOptions extends RequestOptions {
  vector?: readonly number[] | undefined;
  text?: string | undefined;
  /** How many matches at most (1–100); default 10. */
  topK?: number | undefined;
  filter?: VectorFilter | undefined;
  /** Include each match's numbers; default false. */
  includeValues?: boolean | undefined;
  /** Include each match's metadata; default true. */
  includeMetadata?: boolean | undefined;
}

/**
 * Options of `vector.ingest`.
 *
 * @example
 * await client.vector.ingest('docs', text, { sourceId: 'handbook', chunkSize: 800, chunkOverlap: 100 });
 */
export interface VectorIngestOptions extends RequestOptions {
  /** Names the text; its chunks are `{sourceId}#{n}`, and ingesting it again replaces them. */
  sourceId?: string | undefined;
  /** Metadata stored with every chunk (beside `sourceId`, `chunk` and `text`). */
  metadata?: VectorMetadata | undefined;
  /** Most characters per chunk (50–8000); default 1000. */
  chunkSize?: number | undefined;
  /** Characters each chunk repeats from the one before; default 200 (less than chunkSize). */
  chunkOverlap?: number | undefined;
}

/**
 * Options of `vector.indexes.list`.
 *
 * @example
 * const { data, nextCursor } = await client.vector.indexes.list({ limit: 20 });
 */
export interface VectorIndexListOptions extends RequestOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * The project's vector indexes.
 *
 * @example
 * await client.vector.indexes.create({ name: 'docs', dimension: 384 });
 */
export interface VectorIndexesApi {
  /**
   * Creates an index; a name the project already uses answers `vector/index-exists`.
   *
   * @example
   * const index = await client.vector.indexes.create({ name: 'docs', dimension: 384 });
   */
  create(input: VectorIndexInput, options?: RequestOptions): Promise<VectorIndex>;
  /**
   * One page of indexes, oldest first.
   *
   * @example
   * const { data } = await client.vector.indexes.list();
   */
  list(options?: VectorIndexListOptions): Promise<Page<VectorIndex>>;
  /**
   * An index with its vector count (`vector/index-not-found` when there is none of that name).
   *
   * @example
   * const { vectorCount, engine } = await client.vector.indexes.get('docs');
   */
  get(name: string, options?: RequestOptions): Promise<VectorIndex>;
  /**
   * Deletes an index and every vector in it.
   *
   * @example
   * await client.vector.indexes.delete('docs');
   */
  delete(name: string, options?: RequestOptions): Promise<void>;
}

/**
 * Vector search (secret key): indexes, upsert, query by vector or text, ingest, get, delete, count.
 *
 * @example
 * await client.vector.upsert('docs', [{ id: 'a', values: [0.1, 0.2, 0.3], metadata: { lang: 'en' } }]);
 * const [best] = await client.vector.query('docs', { vector: [0.1, 0.2, 0.25], topK: 1 });
 */
export interface VectorApi {
  readonly indexes: VectorIndexesApi;
  /**
   * Inserts or replaces vectors (up to 1000 per call, all or nothing); resolves how many.
   *
   * @example
   * await client.vector.upsert('docs', [{ id: 'a', values: embedding, metadata: { title: 'A' } }]);
   */
  upsert<M extends VectorMetadata>(
    index: string,
    vectors: ReadonlyArray<VectorInput<M>>,
    options?: RequestOptions,
  ): Promise<number>;
  /**
   * The nearest vectors, nearest first. `score` is the cosine similarity, the Euclidean distance
   * or the dot product, by the index's metric.
   *
   * @example
   * const matches = await client.vector.query<{ title: string }>('docs', { vector: q, topK: 5, filter: { lang: 'en' } });
   */
  query<M extends VectorMetadata = VectorMetadata>(
    index: string,
    query: VectorQueryOptions,
  ): Promise<Array<VectorMatch<M>>>;
  /**
   * The vectors among `ids`, in that order; unknown ids are left out.
   *
   * @example
   * const [a] = await client.vector.get('docs', ['a']);
   */
  get<M extends VectorMetadata = VectorMetadata>(
    index: string,
    ids: readonly string[],
    options?: RequestOptions,
  ): Promise<Array<VectorRecord<M>>>;
  /**
   * Deletes vectors by id, or those matching a filter; resolves how many were deleted.
   *
   * @example
   * await client.vector.delete('docs', ['a', 'b']);
   * await client.vector.delete('docs', { filter: { sourceId: 'handbook' } });
   */
  delete(
    index: string,
    target: readonly string[] | { filter: VectorFilter },
    options?: RequestOptions,
  ): Promise<number>;
  /**
   * How many vectors the index holds.
   *
   * @example
   * const n = await client.vector.count('docs');
   */
  count(index: string, options?: RequestOptions): Promise<number>;
  /**
   * Chunks a text, embeds the chunks with the platform's embedding model and stores them
   * (`vector/no-embedding-provider` when the platform has none).
   *
   * @example
   * const { chunks } = await client.vector.ingest('docs', handbookText, { sourceId: 'handbook' });
   */
  ingest(index: string, text: string, options?: VectorIngestOptions): Promise<VectorIngested>;
}

export function createVectorApi(http: Http): VectorApi {
  const at = (index: string) => ({ params: { path: { index } } });
  return {
    indexes: {
      create: (input, options) =>
        http.POST('/v1/vector/indexes', {
          body: {
            name: input.name,
            dimension: input.dimension,
            metric: input.metric,
            description: input.description,
          },
          ...pickRequestOptions(options),
        }),
      list: (options = {}) =>
        http.GET('/v1/vector/indexes', {
          params: { query: { limit: options.limit, cursor: options.cursor } },
          ...pickRequestOptions(options),
        }),
      get: (name, options) =>
        http.GET('/v1/vector/indexes/{index}', { ...at(name), ...pickRequestOptions(options) }),
      async delete(name, options) {
        await http.DELETE('/v1/vector/indexes/{index}', { ...at(name), ...pickRequestOptions(options) });
      },
    },
    async upsert(index, vectors, options) {
      const body = {
        vectors: vectors.map((v) => ({
          id: v.id,
          values: [...v.values],
          metadata: v.metadata as Schemas['VectorMetadata'] | undefined,
        })),
      };
      const result = await http.POST('/v1/vector/indexes/{index}/vectors', {
        ...at(index),
        body,
        ...pickRequestOptions(options),
      });
      return result.upserted;
    },
    async query<M extends VectorMetadata>(index: string, query: VectorQueryOptions) {
      const { vector, text, topK, filter, includeValues, includeMetadata } = query;
      const result = await http.POST('/v1/vector/indexes/{index}/query', {
        ...at(index),
        body: {
          vector: vector ? [...vector] : undefined,
          text,
          topK,
          filter: filter as Schemas['VectorFilter'] | undefined,
          includeValues,
          includeMetadata,
        },
        ...pickRequestOptions(query),
      });
      return result.matches as Array<VectorMatch<M>>;
    },
    async get<M extends VectorMetadata>(index: string, ids: readonly string[], options?: RequestOptions) {
      if (ids.length === 0) return [];
      const result = await http.POST('/v1/vector/indexes/{index}/vectors/get', {
        ...at(index),
        body: { ids: [...ids] },
        ...pickRequestOptions(options),
      });
      return result.vectors as Array<VectorRecord<M>>;
    },
    async delete(index, target, options) {
      const body = Array.isArray(target)
        ? { ids: [...(target as readonly string[])] }
        : { filter: (target as { filter: VectorFilter }).filter as Schemas['VectorFilter'] };
      if (body.ids?.length === 0) return 0;
      const result = await http.POST('/v1/vector/indexes/{index}/vectors/delete', {
        ...at(index),
        body,
        ...pickRequestOptions(options),
      });
      return result.deleted;
    },
    async count(index, options) {
      const result = await http.GET('/v1/vector/indexes/{index}/count', {
        ...at(index),
        ...pickRequestOptions(options),
      });
      return result.count;
    },
    ingest(index, text, options = {}) {
      const { sourceId, metadata, chunkSize, chunkOverlap } = options;
      return http.POST('/v1/vector/indexes/{index}/ingest', {
        ...at(index),
        body: {
          text,
          sourceId,
          metadata: metadata as Schemas['VectorMetadata'] | undefined,
          chunkSize,
          chunkOverlap,
        },
        ...pickRequestOptions(options),
      });
    },
  };
}
