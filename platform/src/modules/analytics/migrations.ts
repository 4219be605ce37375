import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261124000200_analytics': {
    async up(db: Kysely<unknown>) {
      // Server and member are kept as written, with no reference to their tables: removing a server
      // or a member keeps the history of its calls. Deleting the workspace deletes everything.
      await db.schema
        .createTable('gateway_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('member_id', 'text')
        .addColumn('token_id', 'text')
        .addColumn('server_id', 'text')
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('tool', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'double precision', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .execute();
      // The listing (newest first, by time range) and the summaries scan a range of one workspace;
      // the member and server / tool filters have their own prefix.
      await db.schema
        .createIndex('gateway_calls_workspace_started')
        .on('gateway_calls')
        .columns(['workspace_id', 'started_at', 'id'])
        .execute();
      await db.schema
        .createIndex('gateway_calls_member_started')
        .on('gateway_calls')
        .columns(['workspace_id', 'member_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('gateway_calls_server_tool_started')
        .on('gateway_calls')
        .columns(['workspace_id', 'server', 'tool', 'started_at'])
        .execute();

      await db.schema
        .createTable('gateway_usage')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('calls', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_usage_pk', ['workspace_id', 'month'])
        .execute();
    },
  },
};
