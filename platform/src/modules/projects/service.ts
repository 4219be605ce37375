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
type ProjectUpdate = components['schemas']['ProjectUpdate'];

/**
 * Clean-up passes before a deletion gives up: a pass only repeats when a request that was already
 * past authentication wrote for the project behind the previous one (decision 0048).
 */
const DROP_PASSES = 3;

const notFound = (projectId: string) =>
  new ApiError('projects/not-found', `No project ${projectId} in this account.`);

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
      if (!project) throw notFound(projectId);
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

    async update(accountId: string, projectId: string, input: ProjectUpdate): Promise<Project> {
      const row =
        input.name === undefined
          ? await store.findProject(db, accountId, projectId)
          : await store.renameProject(db, accountId, projectId, input.name);
      if (!row) throw notFound(projectId);
      return toProject(row);
    },

    /**
     * Deletes the project and everything of it (decision 0048): every module revokes the
     * project's credentials (registry order), then drops its data (reverse order), then the row
     * goes. A row written meanwhile by a request already past authentication makes the row's
     * deletion fail on its foreign key, and the modules drop again; once the row is gone they drop
     * once more, for what a straggler wrote where no foreign key refuses it (files, Redis, tables
     * that name the project without referencing it).
     */
    async delete(accountId: string, projectId: string): Promise<void> {
      if (!(await store.findProject(db, accountId, projectId))) throw notFound(projectId);
      const { modules } = services;
      for (const module of modules) await module.revokeProject?.(services, projectId);
      const reversed = [...modules].reverse();
      const dropAll = async () => {
        for (const module of reversed) await module.dropProject?.(services, projectId);
      };
      for (let pass = 1; ; pass++) {
        await dropAll();
        try {
          // Another deletion of the same project finished first.
          if (!(await store.deleteProject(db, accountId, projectId))) throw notFound(projectId);
          break;
        } catch (error) {
          if (pass === DROP_PASSES || !store.isForeignKeyViolation(error)) throw error;
          services.logger.warn('projects: a write raced the deletion; dropping again', { projectId, pass });
        }
      }
      await dropAll();
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
