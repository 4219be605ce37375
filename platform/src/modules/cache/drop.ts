import type { Services } from '../../services.js';

/** Deletes every entry of the project, expired ones included (in Redis: its index too). */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await services.cache.flush(projectId, '');
}
