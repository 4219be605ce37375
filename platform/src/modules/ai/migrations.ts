import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  // Usage per project, UTC day, credential and model: one row a call adds to (decision 0041).
  '20261124120000_ai_usage': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ai_usage')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull())
        // `<keyId>|<userId>|<model>`: one unique, sortable column for the row's owner and model.
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull())
        .addColumn('input_tokens', 'bigint', (c) => c.notNull())
        .addColumn('output_tokens', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ai_usage_pk', ['project_id', 'day', 'bucket'])
        .execute();
    },
  },
};
