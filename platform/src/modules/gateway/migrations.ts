import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261124000300_gateway_servers': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gateway_servers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('transport', 'text', (c) => c.notNull())
        // A composed workspace: deleting it removes the servers that compose it.
        .addColumn('target_workspace_id', 'text', (c) => c.references('workspaces.id').onDelete('cascade'))
        // JSON arrays of secret names and of upstream tool names.
        .addColumn('secret_headers', 'text', (c) => c.notNull())
        .addColumn('bearer_secret', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_tools', 'text', (c) => c.notNull())
        .addColumn('timeout_ms', 'integer')
        .addColumn('health_status', 'text', (c) => c.notNull())
        .addColumn('health_checked_at', 'text')
        .addColumn('health_latency_ms', 'integer')
        .addColumn('health_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('gateway_servers_workspace_slug', ['workspace_id', 'slug'])
        .execute();
      await db.schema
        .createIndex('gateway_servers_workspace_created')
        .on('gateway_servers')
        .columns(['workspace_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('gateway_servers_target')
        .on('gateway_servers')
        .column('target_workspace_id')
        .execute();
    },
  },
};
