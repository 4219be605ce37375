import { defineHandlers } from '../../http/handler.js';
import { defineModule } from '../module.js';
import { migrations } from './migrations.js';
import { type AnalyticsService, createAnalyticsService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    analytics: AnalyticsService;
  }
}

export default defineModule({
  name: 'analytics',
  migrations,
  create: (services) => createAnalyticsService(services),
  handlers: defineHandlers({
    // The account key of the owning account and the workspace's admin tokens read analytics
    // (decision 0034); authorizeAdmin answers 404 for another account's workspace, 403 for a
    // non-admin token of this one.
    'workspaces.analytics.calls': async ({ principal, path, query, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const { limit = 50, cursor, ...filters } = query;
      return { status: 200, body: await services.analytics.calls(workspace.id, filters, cursor, limit) };
    },

    'workspaces.analytics.summary': async ({ principal, path, query, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return { status: 200, body: await services.analytics.summary(workspace.id, query) };
    },

    'workspaces.analytics.usage': async ({ principal, path, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const { callsPerMonth } = services.workspaces.limitsOf(workspace);
      return { status: 200, body: await services.analytics.usage(workspace.id, callsPerMonth) };
    },
  }),
});
