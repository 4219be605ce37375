import type { Kysely, Migration } from 'kysely';

// Deployed code lives in the platform database, so every node loads the same code (decision 0050):
// a worker per (project, name), its immutable numbered deployments, and the project's secrets for
// hosted code (sealed by the vault).
export const migrations: Record<string, Migration> = {
  '20261126090000_hosting': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hosting_workers')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('active_deployment_id', 'text', (c) => c.notNull())
        .addColumn('active_version', 'integer', (c) => c.notNull())
        .addColumn('last_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('hosting_workers_pk', ['project_id', 'name'])
        .execute();
      await db.schema
        .createIndex('hosting_workers_project_created')
        .on('hosting_workers')
        .columns(['project_id', 'created_at', 'name'])
        .execute();
      await db.schema
        .createTable('hosting_deployments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('worker', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('compatibility_date', 'text', (c) => c.notNull())
        // JSON texts: the layout as validated, and the modules (the code) themselves.
        .addColumn('compatibility_flags', 'text', (c) => c.notNull())
        .addColumn('vars', 'text', (c) => c.notNull())
        .addColumn('bindings', 'text', (c) => c.notNull())
        .addColumn('crons', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text')
        .addColumn('warnings', 'text', (c) => c.notNull())
        .addColumn('modules', 'text', (c) => c.notNull())
        .addColumn('rolled_back_from', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('hosting_deployments_version', ['project_id', 'worker', 'version'])
        .execute();
      await db.schema
        .createTable('hosting_secrets')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('hosting_secrets_pk', ['project_id', 'name'])
        .execute();
    },
  },
};
