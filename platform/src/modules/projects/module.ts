import { accountIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { createProjectService, type ProjectService, toProject } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    projects: ProjectService;
  }
}

export default defineModule({
  name: 'projects',
  migrations,
  create: createProjectService,
  dropProject,
  handlers: defineHandlers({
    'projects.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.projects.list(accountIdOf(principal), positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, toProject) };
    },

    'projects.create': async ({ principal, body, services }) => ({
      status: 201,
      body: await services.projects.create(accountIdOf(principal), body.name),
    }),

    'projects.get': async ({ principal, path, services }) => ({
      status: 200,
      body: toProject(await services.projects.owned(accountIdOf(principal), path.projectId)),
    }),

    'projects.update': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.projects.update(accountIdOf(principal), path.projectId, body),
    }),

    'projects.delete': async ({ principal, path, services }) => {
      await services.projects.delete(accountIdOf(principal), path.projectId);
      return { status: 204 };
    },
  }),
});
