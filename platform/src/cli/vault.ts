import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { openDatabase, tables } from '../db/database.js';
import { modules } from '../modules/registry.js';
import { migrationsOf } from '../platform.js';
import { createVault, loadMasterKeys, MASTER_KEYS_FILE, type VaultTables } from '../services/vault/index.js';

/** What `vault rotate` did. */
export interface Rotation {
  /** The master key version every data key is now wrapped with. */
  version: number;
  rewrapped: number;
  /** Single node: versions removed from the key file once nothing needed them. */
  retired: number[];
}

/** Adds a new random version to the key file (written aside, then renamed into place). */
function addFileVersion(dataDir: string): void {
  const file = join(dataDir, MASTER_KEYS_FILE);
  const content = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, string> };
  const next = Math.max(...Object.keys(content.keys).map(Number)) + 1;
  content.keys[String(next)] = randomBytes(32).toString('base64');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

function retireFileVersions(dataDir: string, keep: number): number[] {
  const file = join(dataDir, MASTER_KEYS_FILE);
  const content = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, string> };
  const retired = Object.keys(content.keys)
    .map(Number)
    .filter((v) => v !== keep);
  content.keys = { [String(keep)]: content.keys[String(keep)]! };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return retired;
}

/**
 * Rotates the vault's master key: re-wraps every data key under the newest master version
 * (decision 0020). With `AEROSTACK_MASTER_KEYS` the operator adds the new version to the variable on
 * every node first, and removes the old one after; with the generated key file (one node) this
 * adds a new version to the file, re-wraps, and retires the old versions from the file.
 */
export async function rotateVault(config: Config): Promise<Rotation> {
  const fromFile = !config.masterKeys && !config.databaseUrl;
  const env = config.masterKeys ? { AEROSTACK_MASTER_KEYS: config.masterKeys } : {};
  if (fromFile) {
    loadMasterKeys({ dataDir: config.dataDir, databaseUrl: null, env }); // creates the file if needed
    addFileVersion(config.dataDir);
  }
  const masterKeys = loadMasterKeys({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, env });
  const database = await openDatabase({ ...config, migrations: migrationsOf(modules) });
  try {
    const vault = createVault({ db: tables<VaultTables>(database), masterKeys });
    const { rewrapped } = await vault.rotate();
    const retired = fromFile ? retireFileVersions(config.dataDir, masterKeys.current) : [];
    return { version: masterKeys.current, rewrapped, retired };
  } finally {
    await database.close();
  }
}
