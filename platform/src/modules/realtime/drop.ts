import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import { PROJECT_DROPPED } from './service.js';
import type { RealtimeTables } from './store.js';

const TABLES = ['realtime_presence', 'realtime_events', 'realtime_pruned', 'realtime_sequences'] as const;

/**
 * Ends the project's open streams on every worker and node, then deletes its replay buffer,
 * sequence and presence entries. A stream ending writes its presence departure: a later pass of
 * the deletion (or the project row's foreign key) catches it.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await services.bus.publish(PROJECT_DROPPED, { projectId });
  const db = tables<RealtimeTables>(services.database);
  for (const table of TABLES) await db.deleteFrom(table).where('project_id', '=', projectId).execute();
}
