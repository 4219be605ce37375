import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import type { __Area__Tables } from './store.js';

/**
 * Deletes the project's __plural__ when the project is deleted (decision 0048). Everything the
 * module keeps for a project goes here (rows, files, keys in Redis): the projects tests fail on any
 * row naming a deleted project.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await tables<__Area__Tables>(services.database)
    .deleteFrom('__table__')
    .where('project_id', '=', projectId)
    .execute();
}
