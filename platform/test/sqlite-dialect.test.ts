import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { type Generated, Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { CachingSqliteDialect } from '../src/db/sqlite-dialect.js';
import { StatementCache } from '../src/db/statement-cache.js';

// The caching dialect must answer exactly as Kysely's own SqliteDialect does, while preparing
// each SQL text once. Every scenario runs on both, each on its own in-memory database.

const SQLite: typeof BetterSqlite3 = createRequire(import.meta.url)(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);

interface Schema {
  item: { id: Generated<number>; name: string; qty: number };
}

type Db = Kysely<Schema>;

/** A better-sqlite3 database that counts `prepare` calls. */
function countingDatabase(): { database: SqliteDatabase; prepares: () => number } {
  const file = new SQLite(':memory:');
  let prepares = 0;
  return {
    database: {
      prepare: (text: string) => {
        prepares++;
        return file.prepare(text);
      },
      close: () => file.close(),
    },
    prepares: () => prepares,
  };
}

const DIALECTS = {
  stock: (database: SqliteDatabase) => new SqliteDialect({ database }),
  caching: (database: SqliteDatabase) => new CachingSqliteDialect({ database }),
};

const opened: Db[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

async function open(kind: keyof typeof DIALECTS): Promise<{ db: Db; prepares: () => number }> {
  const { database, prepares } = countingDatabase();
  const db = new Kysely<Schema>({ dialect: DIALECTS[kind](database) });
  opened.push(db);
  await db.schema
    .createTable('item')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('qty', 'integer', (c) => c.notNull())
    .execute();
  await db
    .insertInto('item')
    .values([
      { name: 'a', qty: 1 },
      { name: 'b', qty: 2 },
    ])
    .execute();
  return { db, prepares };
}

const all = (db: Db) => db.selectFrom('item').selectAll().orderBy('id').execute();

/** name → what it does on a seeded database; its result must be the same on both dialects. */
const SCENARIOS: Record<string, (db: Db) => Promise<unknown>> = {
  'select with parameters': (db) =>
    db.selectFrom('item').select(['name', 'qty']).where('qty', '>', 1).execute(),
  'select the same query twice': async (db) => [await all(db), await all(db)],
  'select nothing': (db) => db.selectFrom('item').selectAll().where('name', '=', 'none').execute(),
  'insert: insertId and numInsertedOrUpdatedRows': (db) =>
    db.insertInto('item').values({ name: 'c', qty: 3 }).executeTakeFirstOrThrow(),
  'insert many': (db) =>
    db
      .insertInto('item')
      .values([
        { name: 'c', qty: 3 },
        { name: 'd', qty: 4 },
      ])
      .execute(),
  'insert … returning': (db) =>
    db.insertInto('item').values({ name: 'c', qty: 3 }).returning(['id', 'name']).execute(),
  'upsert twice': async (db) => {
    const upsert = (qty: number) =>
      db
        .insertInto('item')
        .values({ name: 'a', qty })
        .onConflict((oc) => oc.column('name').doUpdateSet({ qty }))
        .executeTakeFirstOrThrow();
    return [await upsert(5), await upsert(6), await all(db)];
  },
  'update: numUpdatedRows': async (db) => [
    await db.updateTable('item').set({ qty: 9 }).where('qty', '<', 5).executeTakeFirstOrThrow(),
    await all(db),
  ],
  'update … returning': (db) => db.updateTable('item').set({ qty: 7 }).returning(['name', 'qty']).execute(),
  'delete: numDeletedRows': async (db) => [
    await db.deleteFrom('item').where('name', '=', 'a').executeTakeFirstOrThrow(),
    await all(db),
  ],
  'delete … returning': (db) => db.deleteFrom('item').returning('name').execute(),
  'raw sql': async (db) => [
    await sql<{ n: number }>`select count(*) as n from item where qty >= ${1}`.execute(db),
    await sql`update item set qty = qty + 1`.execute(db),
  ],
  'transaction commits': async (db) => [
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ name: 'c', qty: 3 }).execute();
      return trx.selectFrom('item').select('name').execute();
    }),
    await all(db),
  ],
  'transaction rolls back on error': async (db) => {
    const error = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('item').values({ name: 'c', qty: 3 }).execute();
        await trx.insertInto('item').values({ name: 'a', qty: 1 }).execute(); // unique violation
      })
      .catch((e: Error) => e.message);
    return [error, await all(db)];
  },
  'controlled transaction with a savepoint': async (db) => {
    const trx = await db.startTransaction().execute();
    await trx.insertInto('item').values({ name: 'c', qty: 3 }).execute();
    const sp = await trx.savepoint('before d').execute();
    await sp.insertInto('item').values({ name: 'd', qty: 4 }).execute();
    const inside = await sp.selectFrom('item').select('name').execute();
    await sp.rollbackToSavepoint('before d').execute();
    await trx.commit().execute();
    return [inside, await all(db)];
  },
  'concurrent transactions take turns': async (db) => {
    const add = (name: string) =>
      db.transaction().execute(async (trx) => {
        const { n } = await trx
          .selectFrom('item')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await trx
          .insertInto('item')
          .values({ name: `${name}${n}`, qty: n })
          .execute();
      });
    await Promise.all([add('x'), add('y'), add('z'), all(db)]);
    return all(db);
  },
  'stream a select': async (db) => {
    const rows: unknown[] = [];
    for await (const row of db.selectFrom('item').selectAll().orderBy('id').stream()) rows.push(row);
    for await (const row of db.selectFrom('item').selectAll().orderBy('id').stream()) {
      rows.push(row);
      break; // an abandoned stream must leave the statement usable
    }
    return [rows, await all(db)];
  },
  'invalid sql rejects, then the connection still works': async (db) => [
    await sql`select nope from item`.execute(db).catch((e: Error) => e.message),
    await sql`select nope from item`.execute(db).catch((e: Error) => e.message),
    await all(db),
  ],
};

describe('CachingSqliteDialect answers as Kysely’s SqliteDialect', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const stock = await scenario((await open('stock')).db);
      const caching = await scenario((await open('caching')).db);
      expect(caching).toEqual(stock);
    });
  }
});

describe('CachingSqliteDialect prepares each SQL text once', () => {
  it('a query run twice is prepared once (Kysely’s dialect prepares it twice)', async () => {
    const counts: Record<string, number[]> = {};
    for (const kind of ['stock', 'caching'] as const) {
      const { db, prepares } = await open(kind);
      const before = prepares();
      await all(db);
      const once = prepares() - before;
      await all(db);
      await db.selectFrom('item').selectAll().where('name', '=', 'b').execute();
      await db.selectFrom('item').selectAll().where('name', '=', 'a').execute();
      counts[kind] = [once, prepares() - before];
    }
    expect(counts).toEqual({ stock: [1, 4], caching: [1, 2] });
  });

  it('transactions reuse begin / commit / rollback', async () => {
    const { db, prepares } = await open('caching');
    const insert = (trx: Db, name: string) => trx.insertInto('item').values({ name, qty: 0 }).execute();
    await db.transaction().execute((trx) => insert(trx, 'c'));
    const before = prepares();
    await db.transaction().execute((trx) => insert(trx, 'd'));
    await db
      .transaction()
      .execute(async (trx) => {
        await insert(trx, 'e');
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(prepares() - before).toBe(1); // only the first rollback
    expect((await all(db)).map((row) => row.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('streams prepare a statement of their own', async () => {
    const { db, prepares } = await open('caching');
    const query = db.selectFrom('item').selectAll();
    await query.execute();
    const before = prepares();
    for await (const _ of query.stream());
    await query.execute();
    expect(prepares() - before).toBe(1);
  });
});

describe('StatementCache', () => {
  it('keeps the most recently used statements up to its capacity', () => {
    const prepared: string[] = [];
    const cache = new StatementCache((text) => {
      prepared.push(text);
      return {
        reader: true,
        all: () => [],
        run: () => ({ changes: 0, lastInsertRowid: 0 }),
        iterate: () => [][Symbol.iterator](),
      };
    }, 2);
    for (const text of ['a', 'b', 'a', 'c', 'a', 'b']) cache.get(text);
    // 'b' was evicted by 'c' (the least recently used at the time), so it is prepared again.
    expect(prepared).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.size).toBe(2);
  });

  it('rejects a capacity below one', () => {
    expect(() => new StatementCache(() => ({}) as never, 0)).toThrow(RangeError);
  });
});
