import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The metadata database and which engine serves it. */
export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  close(): Promise<void>;
}

const INT8_OID = 20;

// better-sqlite3 13 is needed on Node ≥ 24.19, where 12's statement finaliser aborts the process
// during an idle GC; 13 in turn needs Node ≥ 22. Node 20 keeps 12 (installed under an alias)
// until support for it ends.
const SQLite: typeof BetterSqlite3 = createRequire(import.meta.url)(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);

function postgres(url: string, onIdleError: (error: Error) => void): Kysely<Schema> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // bigint columns hold epoch milliseconds, well inside Number's safe range.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server drops (restart, failover, admin command) must not crash the
  // platform: the pool discards it and opens a new one on the next query.
  pool.on('error', onIdleError);
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

function sqlite(dataDir: string): Kysely<Schema> {
  mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(join(dataDir, 'platform.db'));
  file.pragma('journal_mode = WAL');
  // WAL + NORMAL (as PocketBase does): durable across process crashes; a power loss can drop the
  // last commits but never corrupts the file. FULL would fsync on every write.
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: file }) });
}

/** Opens PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`, and migrates it. */
export async function openDatabase(options: {
  databaseUrl: string | null;
  dataDir: string;
  onIdleError?: (error: Error) => void;
}): Promise<Database> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  const db = options.databaseUrl
    ? postgres(options.databaseUrl, options.onIdleError ?? (() => {}))
    : sqlite(options.dataDir);
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}
