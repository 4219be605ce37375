import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db/database.js';
import { newId } from './lib/ids.js';
import { createProject, issueKey } from './modules/projects/service.js';
import { firstAccount, insertAccount } from './modules/projects/store.js';

/** The keys printed on first start and kept in `<dataDir>/keys.json` for scripts. */
export interface BootstrapKeys {
  accountId: string;
  accountKey: string;
  projectId: string;
  secretKey: string;
  publishableKey: string;
}

export const KEYS_FILE = 'keys.json';

/**
 * On first start (no account yet) creates the account, its key and a default project with its
 * keys, and writes them to `<dataDir>/keys.json` (mode 0600) — the only copy outside hashes.
 * Later starts read that file back; null when it is gone (the keys still work, we just can't show them).
 */
export async function bootstrap(
  { db }: Database,
  dataDir: string,
): Promise<{ keys: BootstrapKeys | null; created: boolean }> {
  const file = join(dataDir, KEYS_FILE);
  if (await firstAccount(db)) {
    const keys = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BootstrapKeys) : null;
    return { keys, created: false };
  }
  const accountId = newId('acc');
  const accountKey = await db.transaction().execute(async (tx) => {
    await insertAccount(tx, { id: accountId, name: 'Default account', created_at: new Date().toISOString() });
    return (await issueKey(tx, { accountId, projectId: null }, 'account')).key;
  });
  const project = await createProject(db, accountId, 'Default project');
  const keys: BootstrapKeys = {
    accountId,
    accountKey,
    projectId: project.project.id,
    secretKey: project.secretKey.key,
    publishableKey: project.publishableKey.key,
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, created: true };
}
