import { type Kysely, sql } from 'kysely';
import { type Database, tables } from '../../db/database.js';
import { precompiled } from '../../db/precompiled.js';
import { ApiError } from '../../http/problem.js';
import {
  type CacheStore,
  type CacheStoreOptions,
  type CacheTables,
  encodeValue,
  type JsonValue,
  prefixEnd,
  type StoredEntry,
} from './store.js';

const notAnInteger = () =>
  new ApiError('cache/not-an-integer', 'The entry does not hold an integer, or the result is out of range.');

/** Cache entries in the metadata database (`cache_entries`), expired lazily and by `sweep`. */
export function createSqlCacheStore(database: Database, { maxValueBytes }: CacheStoreOptions): CacheStore {
  const db = tables<CacheTables>(database);
  const { dialect } = database;
  // Keys compare byte by byte, as Redis orders them: SQLite's BINARY default does, and on
  // PostgreSQL migration 20261124090000 gives the column (and so its index) collation "C".
  const keyColumn = 'key' as const;
  const liveAt = (now: number) =>
    sql<boolean>`(${sql.ref('expires_at')} is null or ${sql.ref('expires_at')} > ${now})`;
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
      const text = encodeValue(key, value, maxValueBytes);
      const expiresAt = ttlMs === null ? null : Date.now() + ttlMs;
      await upsert([projectId, key, text, expiresAt]);
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

    async getMany(projectId, keys) {
      const rows = await db
        .selectFrom('cache_entries')
        .select(['key', 'value', 'expires_at'])
        .where('project_id', '=', projectId)
        .where('key', 'in', keys)
        .where(liveAt(Date.now()))
        .execute();
      const found = new Map(rows.map((row) => [row.key, row]));
      return keys.flatMap((key) => {
        const row = found.get(key);
        return row ? [{ key, value: JSON.parse(row.value) as JsonValue, expiresAt: row.expires_at }] : [];
      });
    },

    async setMany(projectId, entries) {
      const now = Date.now();
      // Every value is checked before anything is written; one INSERT is atomic on its own.
      const rows = entries.map((entry) => ({
        project_id: projectId,
        key: entry.key,
        value: encodeValue(entry.key, entry.value, maxValueBytes),
        expires_at: entry.ttlMs === null ? null : now + entry.ttlMs,
      }));
      await db
        .insertInto('cache_entries')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['project_id', 'key']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        )
        .execute();
      return entries.map((entry, i) => ({
        key: entry.key,
        value: entry.value,
        expiresAt: rows[i]!.expires_at,
      }));
    },

    async deleteMany(projectId, keys) {
      const rows = await db
        .deleteFrom('cache_entries')
        .where('project_id', '=', projectId)
        .where('key', 'in', keys)
        .returning(['expires_at'])
        .execute();
      const isLive = live(Date.now());
      return rows.filter((row) => isLive(row) !== undefined).length;
    },

    async expire(projectId, key, ttlMs) {
      const now = Date.now();
      const expiresAt = ttlMs === null ? null : now + ttlMs;
      const row = await db
        .updateTable('cache_entries')
        .set({ expires_at: expiresAt })
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .where(liveAt(now))
        .returning(['expires_at'])
        .executeTakeFirst();
      return row ? { expiresAt: row.expires_at } : null;
    },

    async list(projectId, prefix, after, limit) {
      let query = db
        .selectFrom('cache_entries')
        .select(['key', 'expires_at'])
        .where('project_id', '=', projectId)
        .where(liveAt(Date.now()));
      if (prefix !== '') {
        query = query.where(keyColumn, '>=', prefix).where(keyColumn, '<', prefixEnd(prefix));
      }
      if (after !== null) query = query.where(keyColumn, '>', after);
      const rows = await query
        .orderBy(keyColumn)
        .limit(limit + 1)
        .execute();
      const keys = rows.slice(0, limit).map((row) => ({ key: row.key, expiresAt: row.expires_at }));
      return { keys, after: rows.length > limit ? (keys[keys.length - 1]?.key ?? null) : null };
    },

    async flush(projectId, prefix) {
      const now = Date.now();
      return db.transaction().execute(async (tx) => {
        let range = tx.deleteFrom('cache_entries').where('project_id', '=', projectId);
        if (prefix !== '') {
          range = range.where(keyColumn, '>=', prefix).where(keyColumn, '<', prefixEnd(prefix));
        }
        // Expired leftovers go uncounted; then the live ones, counted.
        await range.where('expires_at', '<=', now).execute();
        const result = await range.executeTakeFirst();
        return Number(result.numDeletedRows);
      });
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
