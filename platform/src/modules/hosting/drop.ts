import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import * as catalog from './catalog/store.js';
import { deleteProject, type HostingTables } from './store.js';

/**
 * Stops the project's workerd on every process, then deletes its catalogue entries, workers,
 * deployments and secrets.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await catalog.deleteProject(tables<catalog.CatalogTables>(services.database), projectId);
  await deleteProject(tables<HostingTables>(services.database), projectId);
  await services.hosting.loader.changed(projectId, true);
}
