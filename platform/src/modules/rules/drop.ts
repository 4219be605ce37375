import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import { RULES_CHANGED } from './service.js';
import type { RulesTables } from './store.js';

/** Deletes every version of the project's rules; every worker and node forgets the cached ones. */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await tables<RulesTables>(services.database)
    .deleteFrom('rules_versions')
    .where('project_id', '=', projectId)
    .execute();
  await services.bus.publish(RULES_CHANGED, { projectId });
}
