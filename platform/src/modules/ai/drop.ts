import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import type { AiTables } from './store.js';

/** Deletes the project's usage counters (the only thing the AI module keeps per project). */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await tables<AiTables>(services.database)
    .deleteFrom('ai_usage')
    .where('project_id', '=', projectId)
    .execute();
}
