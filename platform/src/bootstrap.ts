import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from './services.js';

/** The keys printed on first start and kept in `<dataDir>/keys.json` for scripts. */
export interface BootstrapKeys {
  accountId: string;
  accountKey: string;
  projectId: string;
  secretKey: string;
  publishableKey: string;
}

export const KEYS_FILE = 'keys.json';
const CREDENTIALS = ['accountKey', 'secretKey', 'publishableKey'] as const;

/**
 * On first start (no account yet, and `create`) creates the account, its key and a default
 * project with its keys, and writes them to `<dataDir>/keys.json` (mode 0600) — the only copy
 * outside hashes. Later starts read that file back and report which keys have been rotated since,
 * so nobody is shown a dead key as if it worked. `keys` is null when the file is gone.
 */
export async function bootstrap(
  services: Services,
  { create }: { create: boolean },
): Promise<{ keys: BootstrapKeys | null; stale: Array<keyof BootstrapKeys>; created: boolean }> {
  const file = join(services.config.dataDir, KEYS_FILE);
  if (!create || (await services.account.first())) {
    if (!existsSync(file)) return { keys: null, stale: [], created: false };
    const keys = JSON.parse(readFileSync(file, 'utf8')) as BootstrapKeys;
    const stale: Array<keyof BootstrapKeys> = [];
    for (const name of CREDENTIALS) {
      if (!(await services.keys.findActive(keys[name]))) stale.push(name);
    }
    return { keys, stale, created: false };
  }
  const { db } = services.database;
  const { accountId, accountKey } = await db.transaction().execute(async (tx) => {
    const account = await services.account.create(tx, 'Default account');
    const issued = await services.keys.issue(tx, { accountId: account.id, projectId: null }, 'account');
    return { accountId: account.id, accountKey: issued.key };
  });
  const project = await services.projects.create(accountId, 'Default project');
  const keys: BootstrapKeys = {
    accountId,
    accountKey,
    projectId: project.project.id,
    secretKey: project.secretKey.key,
    publishableKey: project.publishableKey.key,
  };
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, stale: [], created: true };
}
