import { type QueryExecutorProvider, sql } from 'kysely';
import type { Dialect } from './database.js';

/**
 * Makes the transaction `tx` wait for, then hold until it ends, PostgreSQL's transaction-scoped
 * advisory lock named `key`: the transactions that take the same key run their locked part one
 * after the other. Use it where a check and the write it allows must not interleave with another
 * transaction's (a count then an insert under a limit, read committed letting both pass), and no
 * row exists yet to lock. Transactions that take several keys must take them in one order
 * everywhere, or two of them can deadlock.
 *
 * SQLite needs none: its writes are serialized (one writer at a time, the write lock taken before
 * the transaction reads), so on SQLite this does nothing.
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await advisoryLock(tx, dialect, `open-streams:${scope}`);
 *   // count, then insert if there is room
 * });
 */
export async function advisoryLock(tx: QueryExecutorProvider, dialect: Dialect, key: string): Promise<void> {
  if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
}
