import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import type { Position } from '../../lib/cursor.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

type Schemas = components['schemas'];

/** The prefix of this module's ids (API-CONVENTIONS: ids), e.g. `__prefix___7Hq2vW9xK3mN5pR8sT1u`. */
const ID_PREFIX = '__prefix__';

export function to__Item__(row: store.__Item__Row): Schemas['__Item__'] {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/**
 * The project's __plural__. Built once at boot and reachable as `services.__area__`; it may use
 * the services of modules above it in the registry (`services.projects`…), never their stores.
 */
export function create__Area__Service(services: Services) {
  const db = tables<store.__Area__Tables>(services.database);
  return {
    list: (projectId: string, position: Position | null, limit: number) =>
      store.list__Area__(db, projectId, position, limit),

    /** The project's __singular__; another project's id answers exactly like an unknown one. */
    async get(projectId: string, id: string): Promise<store.__Item__Row> {
      const row = await store.find__Item__(db, projectId, id);
      if (!row) throw new ApiError('__module__/not-found', `No __singular__ ${id} in this project.`);
      return row;
    },

    async create(projectId: string, input: Schemas['__Item__Create']): Promise<store.__Item__Row> {
      const row = {
        id: `${ID_PREFIX}_${randomBase62(20)}`,
        project_id: projectId,
        name: input.name,
        created_at: new Date().toISOString(),
      };
      await store.insert__Item__(db, row);
      return row;
    },
  };
}

export type __Area__Service = ReturnType<typeof create__Area__Service>;
