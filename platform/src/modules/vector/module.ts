import { type Principal, projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import type { UsageOwner } from '../ai/service.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { createVectorServiceFor, toIndex, type VectorService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    vector: VectorService;
  }
}

/** Embedding tokens are charged to the project and the key that asked. */
const usageOf = (principal: Principal): UsageOwner => ({
  projectId: projectIdOf(principal),
  keyId: principal.credentialId,
});

export default defineModule({
  name: 'vector',
  migrations,
  dropProject,
  create: createVectorServiceFor,
  handlers: defineHandlers({
    'vector.indexes.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.vector.list(projectIdOf(principal), positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, (row) => toIndex(row, row.vectorCount)) };
    },

    'vector.indexes.create': async ({ principal, body, services }) => ({
      status: 201,
      body: await services.vector.create(projectIdOf(principal), body),
    }),

    'vector.indexes.get': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.vector.get(projectIdOf(principal), path.index),
    }),

    'vector.indexes.delete': async ({ principal, path, services }) => {
      await services.vector.delete(projectIdOf(principal), path.index);
      return { status: 204 };
    },

    'vector.upsert': async ({ principal, path, body, services }) => ({
      status: 200,
      body: { upserted: await services.vector.upsert(projectIdOf(principal), path.index, body.vectors) },
    }),

    'vector.query': async ({ principal, path, body, services }) => ({
      status: 200,
      body: {
        matches: await services.vector.query(projectIdOf(principal), path.index, body, usageOf(principal)),
      },
    }),

    'vector.get': async ({ principal, path, body, services }) => ({
      status: 200,
      body: { vectors: await services.vector.getVectors(projectIdOf(principal), path.index, body.ids) },
    }),

    'vector.delete': async ({ principal, path, body, services }) => ({
      status: 200,
      body: { deleted: await services.vector.deleteVectors(projectIdOf(principal), path.index, body) },
    }),

    'vector.count': async ({ principal, path, services }) => ({
      status: 200,
      body: { count: await services.vector.count(projectIdOf(principal), path.index) },
    }),

    'vector.ingest': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.vector.ingest(projectIdOf(principal), path.index, body, usageOf(principal)),
    }),
  }),
});
