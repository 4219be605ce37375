import { CompiledQuery, type Kysely } from 'kysely';
import { ApiError } from '../../http/problem.js';
import { type Condition, filterSql } from './filter.js';
import type { Engine, Match, Metadata, StoredIndex, VectorRecord, VectorStore } from './store.js';
import { fromBytes, norm, score, TopK, toBytes, toNumbers } from './values.js';

/** pgvector's HNSW index takes `vector` columns of at most 2000 dimensions. */
const HNSW_MAX_DIMENSION = 2000;
/** Rows the exact engine reads per round trip: bounded memory, few round trips. */
const EXACT_BATCH = 4096;

const OPS = { cosine: 'vector_cosine_ops', euclidean: 'vector_l2_ops', dot: 'vector_ip_ops' } as const;
const OPERATOR = { cosine: '<=>', euclidean: '<->', dot: '<#>' } as const;

const table = (index: StoredIndex) => `"${index.id}"`;
const vectorText = (v: Float32Array) => `[${Array.from(v).join(',')}]`;

/**
 * Vectors in PostgreSQL, one table per index. With pgvector (`engine: 'pgvector'`) the column is
 * `vector(n)` with an HNSW index and the distance operators (`<=>`, `<->`, `<#>`), approximate;
 * a filtered query scans the graph iteratively (`hnsw.iterative_scan`, pgvector ≥ 0.8) so it
 * still fills topK. Without the extension (`engine: 'exact'`) vectors are float32 bytes and the
 * platform reads them in batches and computes every distance itself, exact: measured several
 * times faster than the same distances in SQL over `real[]` (decision 0042).
 *
 * `db` is any Kysely on PostgreSQL: the platform's pool, or PGlite in the tests.
 */
export function createPostgresVectorStore(
  db: Kysely<unknown>,
  settings: { pgvector: boolean; iterativeScan?: boolean },
): VectorStore {
  const run = async <R>(sql: string, params: unknown[] = [], on: Kysely<unknown> = db) => {
    try {
      return await on.executeQuery<R>(CompiledQuery.raw(sql, params));
    } catch (error) {
      // 42P01 undefined_table: the index was deleted between its lookup and this statement.
      if ((error as { code?: string }).code === '42P01') {
        throw new ApiError('vector/index-not-found', 'The index was deleted.');
      }
      throw error;
    }
  };
  const whereOf = (conditions: Condition[], params: unknown[]) =>
    filterSql(conditions, 'postgres', (value) => {
      params.push(value);
      return `$${params.length}`;
    });

  const rowsToRecords = (rows: Array<{ id: string; metadata: Metadata; embedding: string | Uint8Array }>) =>
    rows.map(
      (row): VectorRecord => ({
        id: row.id,
        metadata: row.metadata,
        values:
          typeof row.embedding === 'string'
            ? Float32Array.from(JSON.parse(row.embedding) as number[])
            : fromBytes(row.embedding),
      }),
    );

  async function exactQuery(
    index: StoredIndex,
    vector: Float32Array,
    options: Parameters<VectorStore['query']>[2],
  ) {
    const best = new TopK<string>(options.topK, index.metric);
    const qNorm = norm(vector);
    let after: string | null = null;
    for (;;) {
      const params: unknown[] = [];
      const where = [whereOf(options.conditions, params)];
      if (after !== null) {
        params.push(after);
        where.push(`id > $${params.length}`);
      }
      params.push(EXACT_BATCH);
      const filter = where.filter(Boolean).join(' AND ');
      const { rows } = await run<{ id: string; embedding: Uint8Array }>(
        `SELECT id, embedding FROM ${table(index)} ${filter ? `WHERE ${filter}` : ''} ORDER BY id COLLATE "C" LIMIT $${params.length}`,
        params,
      );
      for (const row of rows) {
        const v = new Float32Array(row.embedding.buffer, row.embedding.byteOffset, index.dimension);
        best.offer(score(index.metric, vector, qNorm, v), row.id);
      }
      if (rows.length < EXACT_BATCH) break;
      after = (rows[rows.length - 1] as { id: string }).id;
    }
    return best.items.map(({ score, item }) => ({ id: item, score }));
  }

  async function pgvectorQuery(
    index: StoredIndex,
    vector: Float32Array,
    options: Parameters<VectorStore['query']>[2],
  ) {
    const op = OPERATOR[index.metric];
    const params: unknown[] = [vectorText(vector)];
    const where = whereOf(options.conditions, params);
    params.push(options.topK);
    const sql = `SELECT id, embedding ${op} $1::vector AS distance FROM ${table(index)} ${where ? `WHERE ${where}` : ''} ORDER BY embedding ${op} $1::vector LIMIT $${params.length}`;
    const rows = await db.transaction().execute(async (tx) => {
      // The graph search keeps ef_search candidates; at least topK, and more under a filter.
      await run(`SET LOCAL hnsw.ef_search = ${Math.max(40, options.topK * 2)}`, [], tx);
      // pgvector ≥ 0.8 keeps scanning the graph until the filter has let topK rows through.
      if (where && settings.iterativeScan !== false)
        await run(`SET LOCAL hnsw.iterative_scan = strict_order`, [], tx);
      return (await run<{ id: string; distance: number }>(sql, params, tx)).rows;
    });
    return rows.map((row) => ({
      id: row.id,
      // <=> is 1 − cosine similarity, <-> the L2 distance, <#> the negated inner product.
      score:
        index.metric === 'cosine' ? 1 - row.distance : index.metric === 'dot' ? -row.distance : row.distance,
    }));
  }

  async function deleteWhere(on: Kysely<unknown>, index: StoredIndex, conditions: Condition[]) {
    const params: unknown[] = [];
    const where = whereOf(conditions, params);
    const result = await run(`DELETE FROM ${table(index)} ${where ? `WHERE ${where}` : ''}`, params, on);
    return Number(result.numAffectedRows ?? 0);
  }

  return {
    engineFor(dimension): Engine {
      return settings.pgvector && dimension <= HNSW_MAX_DIMENSION ? 'pgvector' : 'exact';
    },

    async createIndex(index) {
      await db.transaction().execute(async (tx) => {
        if (index.engine === 'pgvector') {
          await run(
            `CREATE TABLE IF NOT EXISTS ${table(index)} (id text PRIMARY KEY, embedding vector(${index.dimension}) NOT NULL, metadata jsonb NOT NULL)`,
            [],
            tx,
          );
          await run(
            `CREATE INDEX IF NOT EXISTS "${index.id}_hnsw" ON ${table(index)} USING hnsw (embedding ${OPS[index.metric]})`,
            [],
            tx,
          );
        } else {
          await run(
            `CREATE TABLE IF NOT EXISTS ${table(index)} (id text COLLATE "C" PRIMARY KEY, embedding bytea NOT NULL, metadata jsonb NOT NULL)`,
            [],
            tx,
          );
        }
      });
    },

    async dropIndex(index) {
      await run(`DROP TABLE IF EXISTS ${table(index)}`);
    },

    async upsert(index, records, replace) {
      const ids = records.map((r) => r.id);
      const metadata = records.map((r) => JSON.stringify(r.metadata));
      const embeddings =
        index.engine === 'pgvector'
          ? records.map((r) => vectorText(r.values))
          : records.map((r) => toBytes(r.values));
      const type = index.engine === 'pgvector' ? 'text[]' : 'bytea[]';
      const cast = index.engine === 'pgvector' ? 'e::vector' : 'e';
      await db.transaction().execute(async (tx) => {
        if (replace && replace.length > 0) await deleteWhere(tx, index, replace);
        // One statement for the whole batch; a repeated id keeps its last occurrence.
        await run(
          `INSERT INTO ${table(index)} (id, embedding, metadata)
           SELECT DISTINCT ON (id) id, ${cast}, m::jsonb FROM unnest($1::text[], $2::${type}, $3::text[]) WITH ORDINALITY AS t(id, e, m, n)
           ORDER BY id, n DESC
           ON CONFLICT (id) DO UPDATE SET embedding = excluded.embedding, metadata = excluded.metadata`,
          [ids, embeddings, metadata],
          tx,
        );
      });
      return records.length;
    },

    async query(index, vector, options) {
      const found =
        index.engine === 'pgvector'
          ? await pgvectorQuery(index, vector, options)
          : await exactQuery(index, vector, options);
      if (found.length === 0 || (!options.includeMetadata && !options.includeValues)) return found;
      const records = new Map(
        (
          await this.get(
            index,
            found.map((f) => f.id),
          )
        ).map((r) => [r.id, r]),
      );
      return found.map((f): Match => {
        const record = records.get(f.id);
        const match: Match = { ...f };
        if (record && options.includeMetadata) match.metadata = record.metadata;
        if (record && options.includeValues) match.values = toNumbers(record.values);
        return match;
      });
    },

    async get(index, ids) {
      if (ids.length === 0) return [];
      const embedding = index.engine === 'pgvector' ? 'embedding::text AS embedding' : 'embedding';
      const { rows } = await run<{ id: string; metadata: Metadata; embedding: string | Uint8Array }>(
        `SELECT id, metadata, ${embedding} FROM ${table(index)} WHERE id = ANY($1::text[])`,
        [ids],
      );
      return rowsToRecords(rows);
    },

    async deleteIds(index, ids) {
      const result = await run(`DELETE FROM ${table(index)} WHERE id = ANY($1::text[])`, [ids]);
      return Number(result.numAffectedRows ?? 0);
    },

    deleteWhere: (index, conditions) => deleteWhere(db, index, conditions),

    async count(index) {
      const { rows } = await run<{ count: string | number }>(`SELECT count(*) AS count FROM ${table(index)}`);
      return Number(rows[0]?.count ?? 0);
    },

    async close() {},
  };
}

/**
 * Whether pgvector can be used: `CREATE EXTENSION IF NOT EXISTS vector` works (the extension is
 * installed on the server and the role may create it), or it exists already; and whether it is
 * 0.8 or later (iterative index scans, for filtered queries).
 */
export async function detectPgvector(
  db: Kysely<unknown>,
): Promise<{ pgvector: boolean; iterativeScan: boolean }> {
  try {
    await db.executeQuery(CompiledQuery.raw('CREATE EXTENSION IF NOT EXISTS vector'));
  } catch {
    // Not installed, not permitted, or a concurrent worker's CREATE won the race: ask instead.
  }
  const { rows } = await db.executeQuery<{ version: string }>(
    CompiledQuery.raw(`SELECT extversion AS version FROM pg_extension WHERE extname = 'vector'`),
  );
  const version = rows[0]?.version;
  if (!version) return { pgvector: false, iterativeScan: false };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return { pgvector: true, iterativeScan: major > 0 || minor >= 8 };
}
