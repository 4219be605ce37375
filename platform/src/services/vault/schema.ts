import type { Kysely, Migration } from 'kysely';

/** The vault's tables; the platform's schema includes them. */
export interface VaultTables {
  vault_data_keys: {
    /** `dek_m<master version>`: one data key per master version, so concurrent creators agree. */
    id: string;
    /** The master key version that wraps it now (a rotation raises it). */
    master_version: number;
    /** base64url(iv ‖ ciphertext ‖ tag) of the 32-byte data key under that master key. */
    wrapped: string;
    created_at: string;
  };
}

/** The vault's migrations, for the platform's migrator. Never edit one once released. */
export const vaultMigrations: Record<string, Migration> = {
  '20261123000100_vault_data_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vault_data_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('master_version', 'integer', (c) => c.notNull())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
