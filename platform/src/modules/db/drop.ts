import type { Services } from '../../services.js';

/** Deletes the project's database: the SQLite file and its process, or the PostgreSQL schema and role. */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  await services.db.drop(projectId);
}
