import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  // Created by `0001_foundation` on databases that predate modules, hence IF NOT EXISTS.
  '20261123000020_projects': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('projects')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('projects_account_created')
        .ifNotExists()
        .on('projects')
        .columns(['account_id', 'created_at', 'id'])
        .execute();
    },
  },
};
