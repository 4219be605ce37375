import type { Kysely } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { type VaultTables, vaultMigrations } from '../../../src/services/vault/index.js';
import { BACKENDS } from '../../support/backends.js';

/** The metadata engines (Redis adds nothing for the vault). */
export const DATABASE_BACKENDS = BACKENDS.filter((b) => !b.name.includes('redis'));

export interface VaultDatabase {
  db: Kysely<VaultTables>;
  close(): Promise<void>;
}

/** Opens the platform database of `stores` with the vault's tables (idempotent, like the migrator). */
export async function openVaultDatabase(stores: {
  dataDir: string;
  databaseUrl: string | null;
}): Promise<VaultDatabase> {
  const database = await openDatabase(stores);
  const db = database.db as unknown as Kysely<VaultTables>;
  for (const migration of Object.values(vaultMigrations)) await migration.up(db as Kysely<unknown>);
  return { db, close: () => database.close() };
}
