import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// PGlite's pgvector extension (its own package since PGlite 0.4, pinned to the PGlite it is built
// for): Debian has no pgvector, so the pgvector engine's SQL runs on PGlite.
import { vector } from '@electric-sql/pglite-pgvector';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import pg from 'pg';
import type { VectorStore } from '../../src/modules/vector/store.js';
import { createPostgresVectorStore } from '../../src/modules/vector/store-postgres.js';
import { createSqliteVectorStore } from '../../src/modules/vector/store-sqlite.js';
import { BACKENDS } from './backends.js';

/** One engine of the vector store, fresh and empty; `cleanup` removes what it made. */
export interface VectorStoreCase {
  name: string;
  create(): Promise<{ store: VectorStore; cleanup(): Promise<void> }>;
}

const sqliteVec: VectorStoreCase = {
  name: 'sqlite-vec',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'aerostack-vector-'));
    const store = createSqliteVectorStore(dir);
    return {
      store,
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true });
      },
    };
  },
};

/** Exact search on the test server's PostgreSQL (a fresh database; no pgvector there). */
const exactPostgres = (backend: (typeof BACKENDS)[number]): VectorStoreCase => ({
  name: 'exact (PostgreSQL)',
  async create() {
    const stores = await backend.create();
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: stores.databaseUrl as string, max: 4 }),
      }),
    });
    const store = createPostgresVectorStore(db, { pgvector: false });
    return {
      store,
      async cleanup() {
        await db.destroy();
        await stores.cleanup();
      },
    };
  },
});

interface PgliteLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Kysely on PGlite: one connection (PGlite is a single session), handed to one user at a time so
 * a transaction's statements never interleave with another query's.
 */
function pgliteKysely(pglite: PgliteLike): Kysely<unknown> {
  let queue = Promise.resolve();
  const connection: DatabaseConnection = {
    async executeQuery(compiled) {
      const result = await pglite.query(compiled.sql, [...compiled.parameters]);
      const verb = /^\s*(\w+)/.exec(compiled.sql)?.[1]?.toUpperCase();
      const affected = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(verb ?? '');
      return {
        rows: result.rows as never[],
        numAffectedRows: affected ? BigInt(result.affectedRows ?? 0) : undefined,
      };
    },
    // biome-ignore lint/correctness/useYield: streaming is not used by the vector store
    async *streamQuery() {
      throw new Error('not supported on PGlite here');
    },
  };
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      let release: () => void = () => {};
      const previous = queue;
      queue = new Promise<void>((resolve) => {
        release = resolve;
      });
      await previous;
      (connection as DatabaseConnection & { release?: () => void }).release = release;
      return connection;
    },
    async beginTransaction(conn) {
      await conn.executeQuery({ sql: 'BEGIN', parameters: [], query: { kind: 'RawNode' } } as never);
    },
    async commitTransaction(conn) {
      await conn.executeQuery({ sql: 'COMMIT', parameters: [], query: { kind: 'RawNode' } } as never);
    },
    async rollbackTransaction(conn) {
      await conn.executeQuery({ sql: 'ROLLBACK', parameters: [], query: { kind: 'RawNode' } } as never);
    },
    async releaseConnection(conn) {
      (conn as DatabaseConnection & { release?: () => void }).release?.();
    },
    async destroy() {
      await pglite.close();
    },
  };
  return new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/**
 * The PostgreSQL store on PGlite: pgvector's SQL (HNSW, distance operators) with its vector
 * extension, or the exact engine's SQL on PGlite's PostgreSQL without it.
 */
const onPglite = (pgvector: boolean): VectorStoreCase => ({
  name: pgvector ? 'pgvector (PGlite)' : 'exact (PGlite)',
  async create() {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = new PGlite(pgvector ? { extensions: { vector } } : {}) as unknown as PgliteLike;
    if (pgvector) await pglite.exec('CREATE EXTENSION IF NOT EXISTS vector');
    const db = pgliteKysely(pglite);
    const store = createPostgresVectorStore(db, { pgvector });
    return { store, cleanup: () => db.destroy() };
  },
});

const postgresBackend = BACKENDS.find((b) => b.name === 'postgres');

/**
 * sqlite-vec and exact search on PGlite always; exact on the real PostgreSQL with
 * TEST_DATABASE_URL; pgvector on PGlite when its vector extension is installed.
 */
export const VECTOR_STORES: VectorStoreCase[] = [
  sqliteVec,
  onPglite(false),
  ...(postgresBackend ? [exactPostgres(postgresBackend)] : []),
  onPglite(true),
];
