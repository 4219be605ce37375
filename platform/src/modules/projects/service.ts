import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

type Project = components['schemas']['Project'];
type ProjectWithKeys = components['schemas']['ProjectWithKeys'];

export function toProject(row: store.ProjectRow): Project {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Projects of an account; each has its own keys, data and cache. */
export function createProjectService(services: Services) {
  const db = tables<store.ProjectTables>(services.database);
  return {
    list: (accountId: string, position: Position | null, limit: number) =>
      store.listProjects(db, accountId, position, limit),

    /** The account's project; another account's project id answers exactly like an unknown one. */
    async owned(accountId: string, projectId: string): Promise<store.ProjectRow> {
      const project = await store.findProject(db, accountId, projectId);
      if (!project) throw new ApiError('projects/not-found', `No project ${projectId} in this account.`);
      return project;
    },

    /** Creates a project with one secret and one publishable key, atomically. */
    async create(accountId: string, name: string): Promise<ProjectWithKeys> {
      return services.database.db.transaction().execute(async (tx) => {
        const row = { id: newId('prj'), account_id: accountId, name, created_at: isoNow() };
        await store.insertProject(tables<store.ProjectTables>(tx), row);
        const owner = { accountId, projectId: row.id };
        const secretKey = services.keys.withSecret(await services.keys.issue(tx, owner, 'secret'));
        const publishableKey = services.keys.withSecret(await services.keys.issue(tx, owner, 'publishable'));
        return { project: toProject(row), secretKey, publishableKey };
      });
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
