import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import { KEYS_REVOKED } from './service.js';
import type { KeyTables } from './store.js';

/** Hashes per bus message: a project that rotated often has many keys, a message stays small. */
const HASHES_PER_MESSAGE = 500;

/**
 * Deletes the project's keys, revoked or not, and drops them from the key cache of every worker
 * and node (decision 0013's bus message): the next request with one answers 401. Runs first, and
 * again with the data clean-up for a key rotated meanwhile.
 */
export async function revokeProject(services: Services, projectId: string): Promise<void> {
  const rows = await tables<KeyTables>(services.database)
    .deleteFrom('api_keys')
    .where('project_id', '=', projectId)
    .returning('hash')
    .execute();
  const hashes = rows.map((row) => row.hash);
  for (let i = 0; i < hashes.length; i += HASHES_PER_MESSAGE) {
    await services.bus.publish(KEYS_REVOKED, { hashes: hashes.slice(i, i + HASHES_PER_MESSAGE) });
  }
}

export const dropProject = revokeProject;
