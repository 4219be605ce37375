import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

/** Migrations by name. Names are `<YYYYMMDDhhmmss>_<what>`, so every module's interleave in time order. */
export type Migrations = Record<string, Migration>;

/**
 * Before modules owned their tables, one migration created them all. It stays, as a no-op, so
 * databases that ran it keep a consistent history; the modules' first migrations create the same
 * tables IF NOT EXISTS.
 */
const FOUNDATION: Migrations = { '0001_foundation': { async up() {} } };

/** The core's migrations plus every module's; two parts naming the same migration is a boot error. */
export function collectMigrations(
  parts: Array<{ name: string; migrations?: Migrations | undefined }>,
): Migrations {
  const all: Migrations = { ...FOUNDATION };
  const owner = new Map<string, string>(Object.keys(FOUNDATION).map((n) => [n, 'core']));
  for (const part of parts) {
    for (const [name, migration] of Object.entries(part.migrations ?? {})) {
      const other = owner.get(name);
      if (other) throw new Error(`migration ${name} of ${part.name} is also defined by ${other}`);
      owner.set(name, part.name);
      all[name] = migration;
    }
  }
  return all;
}

/** Brings the database schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Migrations): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // A module added later may carry a migration older than ones already applied.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
}
