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
  // Invocation logs kept per deployment (bounded, trimmed by the writer) and the claims of cron
  // ticks: one row per (worker, schedule, tick), inserted by the node that runs it, so a tick
  // runs once across nodes and restarts (decision 0052).
  '20261126120000_hosting_logs_and_cron': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hosting_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('worker', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        // JSON text: { level, message, at }[].
        .addColumn('lines', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('hosting_logs_worker')
        .on('hosting_logs')
        .columns(['project_id', 'worker', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('hosting_logs_deployment')
        .on('hosting_logs')
        .columns(['deployment_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createTable('hosting_cron_runs')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('worker', 'text', (c) => c.notNull())
        .addColumn('cron', 'text', (c) => c.notNull())
        // Epoch ms of the scheduled time.
        .addColumn('tick', 'bigint', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('outcome', 'text')
        .addPrimaryKeyConstraint('hosting_cron_runs_pk', ['project_id', 'worker', 'cron', 'tick'])
        .execute();
      await db.schema.createIndex('hosting_cron_runs_tick').on('hosting_cron_runs').column('tick').execute();
    },
  },
  // The project's own catalogue of hosted MCP servers (decision 0051): one entry per worker of
  // kind mcp-server, its slug unique in the project; the refresh columns let one node per hour
  // claim an entry's tools/list re-fetch (the UPDATE that moves `refresh_due` wins).
  '20261126130000_hosting_catalog': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hosting_catalog')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('worker', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text', (c) => c.notNull())
        // JSON texts: the aerostack.json manifest, the [vars] names, the tools, the capability manifest.
        .addColumn('info', 'text', (c) => c.notNull())
        .addColumn('config_schema', 'text', (c) => c.notNull())
        .addColumn('tools', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('manifest_source', 'text', (c) => c.notNull())
        .addColumn('refreshed_at', 'text', (c) => c.notNull())
        // Epoch ms when the next refresh is due; a claim moves it forward.
        .addColumn('refresh_due', 'bigint', (c) => c.notNull())
        .addColumn('refresh_failures', 'integer', (c) => c.notNull())
        .addColumn('refresh_paused', 'integer', (c) => c.notNull())
        .addColumn('refresh_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('hosting_catalog_pk', ['project_id', 'worker'])
        .addUniqueConstraint('hosting_catalog_slug', ['project_id', 'slug'])
        .execute();
      await db.schema
        .createIndex('hosting_catalog_due')
        .on('hosting_catalog')
        .columns(['refresh_paused', 'refresh_due'])
        .execute();
    },
  },
};
