import type { Kysely } from 'kysely';
import { type Database, tables } from '../../db/database.js';
import { precompiled } from '../../db/precompiled.js';
import { ApiError } from '../../http/problem.js';
import type { CacheStore, CacheTables, JsonValue, StoredEntry } from './store.js';

const notAnInteger = () =>
  new ApiError('cache/not-an-integer', 'The entry does not hold an integer, or the result is out of range.');

/** Cache entries in the metadata database (`cache_entries`), expired lazily and by `sweep`. */
export function createSqlCacheStore(database: Database): CacheStore {
  const db = tables<CacheTables>(database);
  const { dialect } = database;
  const live =
    (now: number) =>
    <R extends { expires_at: number | null }>(row: R | undefined): R | undefined =>
      row && (row.expires_at === null || row.expires_at > now) ? row : undefined;

  // The two statements every cache read and write runs, compiled once.
  const select = precompiled(
    db as Kysely<unknown>,
    db
      .selectFrom('cache_entries')
      .select(['value', 'expires_at'])
      .where('project_id', '=', '?')
      .where('key', '=', '?'),
  );
  const upsert = precompiled(
    db as Kysely<unknown>,
    db
      .insertInto('cache_entries')
      .values({ project_id: '?', key: '?', value: '?', expires_at: 0 })
      .onConflict((oc) =>
        oc.columns(['project_id', 'key']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          expires_at: eb.ref('excluded.expires_at'),
        })),
      ),
  );

  return {
    async get(projectId, key) {
      const row = live(Date.now())((await select([projectId, key])).rows[0]);
      return row ? { value: JSON.parse(row.value) as JsonValue, expiresAt: row.expires_at } : null;
    },

    async set(projectId, key, value, ttlMs) {
      const expiresAt = ttlMs === null ? null : Date.now() + ttlMs;
      await upsert([projectId, key, JSON.stringify(value), expiresAt]);
      return { value, expiresAt };
    },

    async delete(projectId, key) {
      const row = await db
        .deleteFrom('cache_entries')
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .returning(['expires_at'])
        .executeTakeFirst();
      return live(Date.now())(row) !== undefined;
    },

    async increment(projectId, key, by, ttlMs) {
      // A read-modify-write in one transaction: SQLite serialises transactions on its one
      // connection; PostgreSQL locks an existing row, and a first insert that loses a race to a
      // concurrent one is retried and then finds (and locks) that row.
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute(async (tx): Promise<StoredEntry<number>> => {
            const now = Date.now();
            let select = tx
              .selectFrom('cache_entries')
              .select(['value', 'expires_at'])
              .where('project_id', '=', projectId)
              .where('key', '=', key);
            if (dialect === 'postgres') select = select.forUpdate();
            const row = live(now)(await select.executeTakeFirst());
            const current = row ? (JSON.parse(row.value) as unknown) : 0;
            if (!Number.isSafeInteger(current)) throw notAnInteger();
            const value = (current as number) + by;
            if (!Number.isSafeInteger(value)) throw notAnInteger();
            const text = String(value);
            if (row) {
              await tx
                .updateTable('cache_entries')
                .set({ value: text })
                .where('project_id', '=', projectId)
                .where('key', '=', key)
                .execute();
              return { value, expiresAt: row.expires_at };
            }
            const expiresAt = ttlMs === null ? null : now + ttlMs;
            // Replaces an expired leftover; a live row that a concurrent call just inserted makes
            // this a no-op (0 rows), and the whole read-modify-write runs again.
            const inserted = await tx
              .insertInto('cache_entries')
              .values({ project_id: projectId, key, value: text, expires_at: expiresAt })
              .onConflict((oc) =>
                oc
                  .columns(['project_id', 'key'])
                  .doUpdateSet({ value: text, expires_at: expiresAt })
                  .where('cache_entries.expires_at', '<=', now),
              )
              .executeTakeFirst();
            if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new LostRace();
            return { value, expiresAt };
          });
        } catch (error) {
          if (error instanceof LostRace && attempt < 10) continue;
          throw error;
        }
      }
    },

    async sweep() {
      const result = await db
        .deleteFrom('cache_entries')
        .where('expires_at', '<=', Date.now())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async close() {},
  };
}

/** A first insert found a live row a concurrent call had just created. */
class LostRace extends Error {}
