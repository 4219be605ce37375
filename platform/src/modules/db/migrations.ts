import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261123230000_db': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('db_databases')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
        .addColumn('engine', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
