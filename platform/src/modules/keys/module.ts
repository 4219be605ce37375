import { accountIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { dropProject, revokeProject } from './drop.js';
import { migrations } from './migrations.js';
import { createKeyService, type KeyService, toApiKey } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    keys: KeyService;
  }
}

export default defineModule({
  name: 'keys',
  migrations,
  revokeProject,
  dropProject,
  create: createKeyService,
  credentials: (services) => services.keys.checkers(),
  handlers: defineHandlers({
    'projects.keys.list': async ({ principal, path, query, services }) => {
      await services.projects.owned(accountIdOf(principal), path.projectId);
      const limit = query.limit ?? 50;
      const rows = await services.keys.list(path.projectId, positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, toApiKey) };
    },

    'projects.keys.rotate': async ({ principal, path, body, services }) => {
      const accountId = accountIdOf(principal);
      await services.projects.owned(accountId, path.projectId);
      const issued = await services.keys.rotate(accountId, path.projectId, body.type);
      return { status: 201, body: services.keys.withSecret(issued) };
    },
  }),
});
