import type { Kysely, Migration } from 'kysely';

// The index catalogue lives in the metadata database; the vectors themselves live in the vector
// store (sqlite-vec's `vectors.db`, or one table per index in PostgreSQL), see decision 0042.
export const migrations: Record<string, Migration> = {
  '20261124130000_vector_indexes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vector_indexes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('dimension', 'integer', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('engine', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('vector_indexes_project_name', ['project_id', 'name'])
        .execute();
      await db.schema
        .createIndex('vector_indexes_project_created')
        .on('vector_indexes')
        .columns(['project_id', 'created_at', 'id'])
        .execute();
    },
  },
};
