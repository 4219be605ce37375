import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { gatewayEndpoints } from './endpoint/index.js';
import { migrations } from './migrations.js';
import { createGatewayService, type GatewayService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    gateway: GatewayService;
  }
}

// Every operation starts with the workspaces module's `authorizeAdmin`: the owning account's key,
// or an admin token of that workspace (decision 0034).
export default defineModule({
  name: 'gateway',
  migrations,
  create: (services) => createGatewayService(services),
  endpoints: (services) => gatewayEndpoints(services),
  handlers: defineHandlers({
    'workspaces.servers.list': async ({ principal, path, query, services }) => {
      await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const { servers } = services.gateway;
      const limit = query.limit ?? 50;
      const rows = await servers.list(path.workspaceId, positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, servers.toMcpServer) };
    },

    'workspaces.servers.create': async ({ principal, path, body, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return { status: 201, body: await services.gateway.servers.create(principal, workspace, body) };
    },

    'workspaces.servers.get': async ({ principal, path, services }) => {
      await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return { status: 200, body: await services.gateway.servers.get(path.workspaceId, path.serverId) };
    },

    'workspaces.servers.update': async ({ principal, path, body, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return {
        status: 200,
        body: await services.gateway.servers.update(principal, workspace, path.serverId, body),
      };
    },

    'workspaces.servers.delete': async ({ principal, path, services }) => {
      const workspace = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      await services.gateway.servers.remove(principal, workspace, path.serverId);
      return { status: 204 };
    },

    'workspaces.servers.check': async ({ principal, path, services }) => {
      await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return { status: 200, body: await services.gateway.servers.check(path.workspaceId, path.serverId) };
    },

    'workspaces.servers.tools': async ({ principal, path, services, signal }) => {
      await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const data = await services.gateway.servers.tools(path.workspaceId, path.serverId, signal);
      return { status: 200, body: { data } };
    },
  }),
});
