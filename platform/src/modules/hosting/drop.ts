import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import { deleteProject, type HostingTables } from './store.js';

/** Stops the project's workerd on every process, then deletes its workers, deployments and secrets. */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await deleteProject(tables<HostingTables>(services.database), projectId);
  await services.hosting.loader.changed(projectId, true);
}
