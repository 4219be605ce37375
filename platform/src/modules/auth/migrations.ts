import { type Kysely, type Migration, sql } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261123230000_auth': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('email_verified_at', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_sign_in_at', 'text')
        .addUniqueConstraint('auth_users_project_email', ['project_id', 'email'])
        .execute();
      await db.schema
        .createIndex('auth_users_project_created')
        .on('auth_users')
        .columns(['project_id', 'created_at', 'id'])
        .execute();

      // One row per sign-in (a refresh-token family); `counter` is the rotation count.
      await db.schema
        .createTable('auth_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('counter', 'integer', (c) => c.notNull())
        .addColumn('rotated_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('auth_sessions_user').on('auth_sessions').column('user_id').execute();

      await db.schema
        .createTable('auth_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .execute();
      // At most one current key per project, even when two workers create one at once.
      await sql`CREATE UNIQUE INDEX auth_signing_keys_current ON auth_signing_keys (project_id) WHERE retired_at IS NULL`.execute(
        db,
      );

      // Emailed one-time secrets: codes and link tokens, by hash only.
      await db.schema
        .createTable('auth_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('auth_codes_hash').on('auth_codes').column('hash').execute();
      await db.schema
        .createIndex('auth_codes_email')
        .on('auth_codes')
        .columns(['project_id', 'email', 'kind'])
        .execute();

      await db.schema
        .createTable('auth_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('auth_outbox_project_created')
        .on('auth_outbox')
        .columns(['project_id', 'created_at', 'id'])
        .execute();
    },
  },
  '20261123230100_auth_settings': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_settings')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
        .addColumn('redirect_urls', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '20261123235900_auth_oidc': {
    async up(db: Kysely<unknown>) {
      // OpenID Connect providers of a project (decision 0032); the client secret sealed by the vault.
      await db.schema
        .createTable('auth_oidc_providers')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_secret', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('auth_oidc_providers_pk', ['project_id', 'slug'])
        .execute();

      // Sign-ins under way: found by the state's hash, used once, short-lived.
      await db.schema
        .createTable('auth_oidc_flows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('state_hash', 'text', (c) => c.notNull().unique())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('redirect_to', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('auth_oidc_flows_expires')
        .on('auth_oidc_flows')
        .column('expires_at')
        .execute();

      // Which provider account (issuer subject) is which user.
      await db.schema
        .createTable('auth_identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_sign_in_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('auth_identities_subject', ['project_id', 'issuer', 'subject'])
        .execute();
      await db.schema.createIndex('auth_identities_user').on('auth_identities').column('user_id').execute();
    },
  },
};
