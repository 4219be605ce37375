import type { Kysely, Migration } from 'kysely';

// Everything of a workspace references it with ON DELETE CASCADE (so do the analytics and gateway
// tables): deleting a workspace is one statement that leaves nothing behind.
export const migrations: Record<string, Migration> = {
  '20261124000100_workspaces': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        // The workspace's own limits; null = the operator's default (config.gateway).
        .addColumn('max_servers', 'integer')
        .addColumn('calls_per_month', 'bigint')
        .addColumn('requests_per_minute', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('workspaces_account_created')
        .on('workspaces')
        .columns(['account_id', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('workspace_members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('workspace_members_workspace_created')
        .on('workspace_members')
        .columns(['workspace_id', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('workspace_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('member_id', 'text', (c) =>
          c.notNull().references('workspace_members.id').onDelete('cascade'),
        )
        .addColumn('name', 'text')
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('workspace_tokens_workspace_created')
        .on('workspace_tokens')
        .columns(['workspace_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('workspace_tokens_member')
        .on('workspace_tokens')
        .column('member_id')
        .execute();

      await db.schema
        .createTable('workspace_secrets')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        // Sealed by the vault, bound to the workspace and the name (context `workspace-secret:<id>:<name>`).
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('workspace_secrets_pk', ['workspace_id', 'name'])
        .execute();

      await db.schema
        .createTable('workspace_audit')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_token_id', 'text')
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('workspace_audit_workspace_created')
        .on('workspace_audit')
        .columns(['workspace_id', 'created_at', 'id'])
        .execute();
    },
  },
};
