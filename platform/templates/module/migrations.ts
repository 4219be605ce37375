import type { Kysely, Migration } from 'kysely';

// Named `<YYYYMMDDhhmmss>_<what>` (the timestamp is set when the module is scaffolded). Once
// released, a migration is never edited: change the schema with a new, later one.
export const migrations: Record<string, Migration> = {
  '00000000000000___table__': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('__table__')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('__table___project_created')
        .on('__table__')
        .columns(['project_id', 'created_at', 'id'])
        .execute();
    },
  },
};
