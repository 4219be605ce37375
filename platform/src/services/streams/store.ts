import { type Kysely, sql } from 'kysely';
import { advisoryLock } from '../../db/advisory-lock.js';
import type { Dialect } from '../../db/database.js';

export interface StreamTables {
  open_streams: {
    id: string;
    scope: string;
    kind: string;
    expires_at: number;
  };
}
type StreamRow = StreamTables['open_streams'];
type Db = Kysely<StreamTables>;

/**
 * Records an open stream unless its scope already holds `max` live ones. The count and the insert
 * are one statement: SQLite runs it alone (its write lock is taken before the count). PostgreSQL,
 * under read committed, would let two such statements miss each other's row and both pass, so
 * there the opens of one scope take turns behind a transaction-scoped advisory lock, and each
 * counts with a snapshot taken after the previous one committed (decision 0045).
 */
export async function insertUnder(
  db: Db,
  dialect: Dialect,
  row: StreamRow,
  now: number,
  max: number,
): Promise<boolean> {
  if (dialect === 'sqlite') return insertIfRoom(db, row, now, max);
  return db.transaction().execute(async (tx) => {
    await advisoryLock(tx, dialect, `open-streams:${row.scope}`);
    return insertIfRoom(tx, row, now, max);
  });
}

async function insertIfRoom(db: Db, row: StreamRow, now: number, max: number): Promise<boolean> {
  const result = await sql`
    INSERT INTO open_streams (id, scope, kind, expires_at)
    SELECT ${row.id}, ${row.scope}, ${row.kind}, ${row.expires_at}
    WHERE (SELECT COUNT(*) FROM open_streams WHERE scope = ${row.scope} AND expires_at > ${now}) < ${max}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n) === 1;
}

/** Pushes the expiry of the streams `ids` (held by this worker) to `expiresAt`. */
export async function touch(db: Db, ids: readonly string[], expiresAt: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('open_streams').set({ expires_at: expiresAt }).where('id', 'in', ids).execute();
}

export async function remove(db: Db, id: string): Promise<void> {
  await db.deleteFrom('open_streams').where('id', '=', id).execute();
}

/** The live stream `id` (of any worker or node), if there is one. */
export async function live(db: Db, id: string, now: number): Promise<StreamRow | undefined> {
  return db
    .selectFrom('open_streams')
    .selectAll()
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Forgets streams whose worker stopped pushing their expiry (it crashed, or its node did). */
export async function sweep(db: Db, now: number): Promise<void> {
  await db.deleteFrom('open_streams').where('expires_at', '<=', now).execute();
}
