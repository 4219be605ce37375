import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { createRulesService, type RulesService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    rules: RulesService;
  }
}

export default defineModule({
  name: 'rules',
  migrations,
  dropProject,
  create: createRulesService,
  handlers: defineHandlers({
    'rules.get': async ({ principal, services }) => ({
      status: 200,
      body: await services.rules.get(projectIdOf(principal)),
    }),
    'rules.update': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.rules.update(projectIdOf(principal), body),
    }),
  }),
});
