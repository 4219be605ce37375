import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import type { QueueTables } from './store.js';

/** Deletes the project's jobs, whatever their state (a running job's lease ends with it). */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await tables<QueueTables>(services.database)
    .deleteFrom('queue_jobs')
    .where('project_id', '=', projectId)
    .execute();
}
