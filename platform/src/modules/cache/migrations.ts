import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

export const migrations: Record<string, Migration> = {
  // Created by `0001_foundation` on databases that predate modules, hence IF NOT EXISTS.
  '20261123000040_cache_entries': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('cache_entries')
        .ifNotExists()
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addPrimaryKeyConstraint('cache_entries_pk', ['project_id', 'key'])
        .execute();
      await db.schema
        .createIndex('cache_entries_expires')
        .ifNotExists()
        .on('cache_entries')
        .column('expires_at')
        .execute();
    },
  },
  // Prefix ranges and cursors compare keys byte by byte (as Redis does). SQLite's BINARY default
  // already does; PostgreSQL's follows the database locale (en_US ignores punctuation), so the
  // column, and with it the primary key's index, takes collation "C".
  '20261124090000_cache_keys_in_byte_order': {
    async up(db: Kysely<unknown>) {
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      await sql`alter table cache_entries alter column key type text collate "C"`.execute(db);
    },
  },
};
