import type { Kysely, Migration } from 'kysely';

// The replay store of Idempotency-Key. Its table predates the module layout (it was created by
// `0001_foundation`), hence IF NOT EXISTS.
export const idempotencyMigrations: Record<string, Migration> = {
  '20261123000005_idempotency_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('idempotency_keys')
        .ifNotExists()
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();
    },
  },
  '20261123000050_idempotency_lease_and_sealed_replays': {
    async up(db: Kysely<unknown>) {
      // Rows written before replays were sealed hold responses in plain text, issued secret keys
      // included: drop them (they only make a retry within 24 h a replay).
      await db.deleteFrom('idempotency_keys' as never).execute();
      await db.schema.alterTable('idempotency_keys').addColumn('lease_expires_at', 'bigint').execute();
    },
  },
};
