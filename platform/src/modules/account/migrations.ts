import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  // Created by `0001_foundation` on databases that predate modules, hence IF NOT EXISTS.
  '20261123000010_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
