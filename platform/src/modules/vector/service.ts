import type { components } from '@aerostack/spec/types';
import type { Kysely } from 'kysely';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import { onePage, type Position } from '../../lib/cursor.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import type { AiEmbeddings, UsageOwner } from '../ai/service.js';
import { chunkText } from './chunk.js';
import { parseFilter } from './filter.js';
import type {
  IndexRow,
  Match,
  Metadata,
  Metric,
  StoredIndex,
  VectorRecord,
  VectorStore,
  VectorTables,
} from './store.js';
import { toFloats, toNumbers } from './values.js';

type Schemas = components['schemas'];

/** The prefix of index ids (`vix_…`), which also name the index's tables in the vector store. */
const ID_PREFIX = 'vix';
/** Texts per embedding request during an ingest. */
const EMBED_BATCH = 64;

/** What turns texts into vectors: `services.ai` in the platform, a function in service tests. */
export type Embedder = Pick<AiEmbeddings, 'embeddingAvailable' | 'embed'>;

export function toIndex(row: IndexRow, vectorCount: number): Schemas['VectorIndex'] {
  return {
    name: row.name,
    dimension: row.dimension,
    metric: row.metric,
    description: row.description,
    engine: row.engine,
    vectorCount,
    createdAt: row.created_at,
  };
}

const noProvider = () =>
  new ApiError(
    'vector/no-embedding-provider',
    'No embedding model is configured: set AEROSTACK_AI_PROVIDER (and its embedding model) and restart the platform.',
  );

/**
 * Vector search: the index catalogue in the metadata database (`vector_indexes`), the vectors in
 * `store`. Every operation takes the project and the index name, so another project's index is
 * simply not found.
 */
export function createVectorService(
  services: Pick<Services, 'config' | 'database'>,
  store: VectorStore,
  embedder: () => Embedder | undefined,
) {
  const db = tables<VectorTables>(services.database) as Kysely<VectorTables>;
  const { maxBatch, maxMetadataBytes } = services.config.vector;

  async function find(projectId: string, name: string): Promise<IndexRow> {
    const row = await db
      .selectFrom('vector_indexes')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new ApiError('vector/index-not-found', `The project has no vector index "${name}".`);
    return { ...row, dimension: Number(row.dimension) };
  }

  function checkMetadata(metadata: Metadata | undefined, what: string): Metadata {
    const value = metadata ?? {};
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > maxMetadataBytes) {
      throw new ApiError(
        'vector/metadata-too-large',
        `${what} has ${bytes} bytes of metadata; at most ${maxMetadataBytes} (AEROSTACK_VECTOR_MAX_METADATA_BYTES).`,
      );
    }
    return value;
  }

  async function embed(texts: string[], usage: UsageOwner | undefined, index: IndexRow) {
    const ai = embedder();
    if (!ai?.embeddingAvailable()) throw noProvider();
    const vectors: Float32Array[] = [];
    let model = '';
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const result = await ai.embed(texts.slice(i, i + EMBED_BATCH), usage ? { usage } : {});
      model = result.model;
      if (result.dimensions !== index.dimension) {
        throw new ApiError(
          'vector/dimension-mismatch',
          `The embedding model ${result.model} makes vectors of ${result.dimensions} numbers; the index "${index.name}" holds ${index.dimension}.`,
        );
      }
      for (const values of result.embeddings) {
        vectors.push(toFloats(values, index.dimension, index.metric, 'An embedding'));
      }
    }
    return { vectors, model };
  }

  return {
    store,

    async list(projectId: string, position: Position | null, limit: number) {
      const rows = await onePage(
        db.selectFrom('vector_indexes').selectAll().where('project_id', '=', projectId),
        position,
        limit,
      ).execute();
      return Promise.all(
        rows.map(async (row) => {
          const index = { ...row, dimension: Number(row.dimension) };
          return { ...index, vectorCount: await store.count(index) };
        }),
      );
    },

    async get(projectId: string, name: string) {
      const row = await find(projectId, name);
      return toIndex(row, await store.count(row));
    },

    async create(projectId: string, input: Schemas['VectorIndexCreate']) {
      const metric: Metric = input.metric ?? 'cosine';
      const row: IndexRow = {
        id: `${ID_PREFIX}_${randomBase62(20)}`,
        project_id: projectId,
        name: input.name,
        dimension: input.dimension,
        metric,
        engine: store.engineFor(input.dimension),
        description: input.description ?? null,
        created_at: isoNow(),
      };
      // The tables first: a catalogue row never names tables that do not exist. A lost race on
      // the name leaves empty tables behind, which are dropped at once.
      await store.createIndex(row);
      const inserted = await db
        .insertInto('vector_indexes')
        .values(row)
        .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        await store.dropIndex(row);
        throw new ApiError('vector/index-exists', `The project already has a vector index "${input.name}".`);
      }
      return toIndex(row, 0);
    },

    async delete(projectId: string, name: string): Promise<void> {
      const row = await find(projectId, name);
      await db.deleteFrom('vector_indexes').where('id', '=', row.id).execute();
      await store.dropIndex(row);
    },

    async upsert(projectId: string, name: string, vectors: Schemas['VectorInput'][]) {
      if (vectors.length > maxBatch) {
        throw new ApiError(
          'vector/too-many-vectors',
          `${vectors.length} vectors in one request; at most ${maxBatch} (AEROSTACK_VECTOR_MAX_BATCH).`,
        );
      }
      const index = await find(projectId, name);
      const records = vectors.map(
        (v, i): VectorRecord => ({
          id: v.id,
          values: toFloats(v.values, index.dimension, index.metric, `Vector ${i} ("${v.id.slice(0, 64)}")`),
          metadata: checkMetadata(v.metadata as Metadata | undefined, `Vector ${i}`),
        }),
      );
      return store.upsert(index, records);
    },

    async query(
      projectId: string,
      name: string,
      input: Schemas['VectorQuery'],
      usage?: UsageOwner,
    ): Promise<Match[]> {
      if ((input.vector === undefined) === (input.text === undefined)) {
        throw new ApiError('vector/invalid-query', 'Give exactly one of "vector" and "text".');
      }
      const conditions = parseFilter(input.filter as Record<string, unknown> | undefined);
      const index = await find(projectId, name);
      const vector =
        input.vector !== undefined
          ? toFloats(input.vector, index.dimension, index.metric, 'The query vector')
          : ((await embed([input.text as string], usage, index)).vectors[0] as Float32Array);
      return store.query(index, vector, {
        topK: input.topK ?? 10,
        conditions,
        includeValues: input.includeValues ?? false,
        includeMetadata: input.includeMetadata ?? true,
      });
    },

    /** The vectors among `ids`, in the order asked (unknown ids left out). */
    async getVectors(projectId: string, name: string, ids: string[]) {
      const index = await find(projectId, name);
      const found = new Map((await store.get(index, ids)).map((r) => [r.id, r]));
      const seen = new Set<string>();
      return ids.flatMap((id) => {
        const record = found.get(id);
        if (!record || seen.has(id)) return [];
        seen.add(id);
        return [{ id, values: toNumbers(record.values), metadata: record.metadata }];
      });
    },

    async deleteVectors(projectId: string, name: string, input: Schemas['VectorDelete']) {
      if ((input.ids === undefined) === (input.filter === undefined)) {
        throw new ApiError('vector/invalid-query', 'Give exactly one of "ids" and "filter".');
      }
      const conditions =
        input.filter === undefined ? [] : parseFilter(input.filter as Record<string, unknown>);
      const index = await find(projectId, name);
      return input.ids !== undefined
        ? store.deleteIds(index, input.ids)
        : store.deleteWhere(index, conditions);
    },

    async count(projectId: string, name: string) {
      return store.count(await find(projectId, name));
    },

    async ingest(projectId: string, name: string, input: Schemas['VectorIngest'], usage?: UsageOwner) {
      const size = input.chunkSize ?? 1000;
      const overlap = input.chunkOverlap ?? Math.min(200, Math.floor(size / 5));
      if (overlap >= size) {
        throw new ApiError(
          'vector/invalid-query',
          `chunkOverlap (${overlap}) must be less than chunkSize (${size}).`,
        );
      }
      const index = await find(projectId, name);
      const ai = embedder();
      if (!ai?.embeddingAvailable()) throw noProvider();
      const sourceId = input.sourceId ?? `src_${randomBase62(16)}`;
      const chunks = chunkText(input.text, size, overlap);
      if (chunks.length > maxBatch) {
        throw new ApiError(
          'vector/too-many-vectors',
          `The text makes ${chunks.length} chunks; at most ${maxBatch} (AEROSTACK_VECTOR_MAX_BATCH) per ingest. Use larger chunks or split the text.`,
        );
      }
      const extra = (input.metadata ?? {}) as Metadata;
      const records = chunks.map(
        (text, chunk): VectorRecord => ({
          id: `${sourceId}#${chunk}`,
          values: new Float32Array(0),
          metadata: checkMetadata({ ...extra, sourceId, chunk, text }, `Chunk ${chunk}`),
        }),
      );
      const { vectors, model } =
        chunks.length > 0 ? await embed(chunks, usage, index) : { vectors: [], model: '' };
      records.forEach((record, i) => {
        record.values = vectors[i] as Float32Array;
      });
      // The source's earlier chunks go in the same transaction: a shorter text leaves none behind.
      await store.upsert(index, records, [{ field: 'sourceId', op: '$eq', value: sourceId }]);
      return { sourceId, chunks: records.length, ids: records.map((r) => r.id), model };
    },

    close: () => store.close(),
  };
}

export type VectorService = ReturnType<typeof createVectorService>;

/** The service on the configured engine: PostgreSQL when DATABASE_URL is set, else sqlite-vec. */
export async function createVectorServiceFor(services: Services): Promise<VectorService> {
  const { config, database } = services;
  let store: VectorStore;
  if (database.dialect === 'postgres') {
    const { createPostgresVectorStore, detectPgvector } = await import('./store-postgres.js');
    const db = database.db as unknown as Kysely<unknown>;
    const found =
      config.vector.pgvector === 'auto'
        ? await detectPgvector(db)
        : { pgvector: false, iterativeScan: false };
    services.logger.info('vector store', { engine: found.pgvector ? 'pgvector' : 'exact' });
    store = createPostgresVectorStore(db, found);
  } else {
    const { createSqliteVectorStore } = await import('./store-sqlite.js');
    store = createSqliteVectorStore(config.dataDir);
  }
  const ai = () => (services as Partial<{ ai: Embedder }>).ai;
  return createVectorService(services, store, ai);
}

export type { StoredIndex };
