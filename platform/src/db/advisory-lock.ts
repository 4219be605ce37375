import { type QueryExecutorProvider, sql } from 'kysely';
import type { Dialect } from './database.js';

/**
 * Makes the transaction `tx` wait for, then hold until it ends, PostgreSQL's transaction-scoped
 * advisory locks named `keys`: the transactions that take the same key run their locked part one
 * after the other. Use it where a check and the write it allows must not interleave with another
 * transaction's (a count then an insert under a limit, read committed letting both pass), or where
 * the rows to lock may not exist yet. Take a transaction's locks before it writes any row, and its
 * keys in one call: they are taken in the order of their lock numbers, one order for everyone, so
 * two transactions never wait for each other's keys.
 *
 * SQLite needs none: its writes are serialized (a process's transactions take turns on its one
 * connection, the file has one writer at a time, and a transaction whose reads another's commit
 * made stale cannot write), so on SQLite this does nothing.
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await advisoryLock(tx, dialect, `open-streams:${scope}`);
 *   // count, then insert if there is room
 * });
 */
export async function advisoryLock(
  tx: QueryExecutorProvider,
  dialect: Dialect,
  ...keys: string[]
): Promise<void> {
  if (dialect !== 'postgres' || keys.length === 0) return;
  // A volatile function in the select list runs after the sort (PostgreSQL ≥ 9.6), so in order.
  await sql`
    SELECT pg_advisory_xact_lock(n)
    FROM (SELECT DISTINCT hashtext(k) AS n FROM unnest(${keys}::text[]) AS k) AS locks
    ORDER BY n
  `.execute(tx);
}
