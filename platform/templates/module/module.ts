import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { type __Area__Service, create__Area__Service, to__Item__ } from './service.js';

// Registers this module's service under `services.__area__`, from this folder (declaration merging).
declare module '../../services.js' {
  interface ModuleServices {
    __area__: __Area__Service;
  }
}

export default defineModule({
  name: '__area__',
  migrations,
  // Called when a project is deleted: this module's data of that project goes with it.
  dropProject,
  create: create__Area__Service,
  // One handler per operation of spec.yaml, typed from the generated spec types (`pnpm generate`).
  handlers: defineHandlers({
    '__area__.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.__area__.list(projectIdOf(principal), positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, to__Item__) };
    },

    '__area__.create': async ({ principal, body, services }) => ({
      status: 201,
      body: to__Item__(await services.__area__.create(projectIdOf(principal), body)),
    }),

    '__area__.get': async ({ principal, path, services }) => ({
      status: 200,
      body: to__Item__(await services.__area__.get(projectIdOf(principal), path.__item__Id)),
    }),
  }),
});
