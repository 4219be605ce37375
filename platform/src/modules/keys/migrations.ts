import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  // Created by `0001_foundation` on databases that predate modules, hence IF NOT EXISTS.
  '20261123000030_api_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('project_id', 'text', (c) => c.references('projects.id'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('api_keys_project_created')
        .ifNotExists()
        .on('api_keys')
        .columns(['project_id', 'created_at', 'id'])
        .execute();
    },
  },
};
