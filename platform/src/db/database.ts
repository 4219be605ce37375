import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import type { types as PgTypes } from 'pg';
import { type Migrations, migrateToLatest } from './migrations.js';
import type { Schema } from './schema.js';
import { CachingSqliteDialect } from './sqlite-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

/** The metadata database and which engine serves it. */
export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  close(): Promise<void>;
}

/** A connection or transaction on the metadata database, as modules pass it to each other. */
export type Db = Kysely<Schema>;

/** The database (or a transaction) typed with one module's tables; none reads another's. */
export function tables<T>(database: Database | Db): Kysely<T> {
  return ('db' in database && 'dialect' in database ? database.db : database) as unknown as Kysely<T>;
}

/**
 * The data directory and everything in it are private to the platform's user: it holds the
 * database, the generated master key and keys.json. Creates it 0700, and makes every file in it
 * 0600 (SQLite gives its -wal and -shm files the database file's mode, so the database file is
 * created 0600 before SQLite opens it).
 */
export function makePrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, 'platform.db');
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const name of readdirSync(dataDir, { withFileTypes: true })) {
    if (name.isFile()) chmodSync(join(dataDir, name.name), 0o600);
  }
}

const INT8_OID = 20;

// better-sqlite3 13 is needed on Node ≥ 24.19, where 12's statement finaliser aborts the process
// during an idle GC; 13 in turn needs Node ≥ 22. Node 20 keeps 12 (installed under an alias)
// until support for it ends.
const SQLite: typeof BetterSqlite3 = createRequire(import.meta.url)(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);

async function postgres(url: string, onIdleError: (error: Error) => void): Promise<Kysely<Schema>> {
  // Loaded on demand: the embedded default (SQLite) never pays for the PostgreSQL client.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // bigint columns hold epoch milliseconds, well inside Number's safe range.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof PgTypes.getTypeParser,
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
  return new Kysely<Schema>({ dialect: new CachingSqliteDialect({ database: file }) });
}

/**
 * Opens PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`, and applies `migrations`
 * (the core's and every module's; none when omitted or when another process already migrated,
 * e.g. workers).
 */
export async function openDatabase(options: {
  databaseUrl: string | null;
  dataDir: string;
  migrations?: Migrations | null;
  onIdleError?: (error: Error) => void;
}): Promise<Database> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  makePrivate(options.dataDir);
  const db = options.databaseUrl
    ? await postgres(options.databaseUrl, options.onIdleError ?? (() => {}))
    : sqlite(options.dataDir);
  try {
    if (options.migrations) await migrateToLatest(db as Kysely<unknown>, options.migrations);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}
