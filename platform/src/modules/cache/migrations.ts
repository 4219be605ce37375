import type { Kysely, Migration } from 'kysely';

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
};
