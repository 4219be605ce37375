import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261123220000_rules': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rules_versions')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rules_versions_pk', ['project_id', 'version'])
        .execute();
    },
  },
};
