import { accountIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { toAuditEvent } from './audit.js';
import { toMember } from './members.js';
import { migrations } from './migrations.js';
import { toSecretInfo } from './secrets.js';
import { createWorkspacesService, toRecord, type WorkspacesService } from './service.js';
import { clientConfig } from './token.js';
import { toWorkspaceToken } from './tokens.js';

declare module '../../services.js' {
  interface ModuleServices {
    workspaces: WorkspacesService;
  }
}

// Every operation on one workspace starts with `authorizeAdmin`: the owning account's key, or an
// admin token of that workspace (decision 0034).
export default defineModule({
  name: 'workspaces',
  migrations,
  create: createWorkspacesService,
  credentials: (services) => [services.workspaces.tokens.checker()],
  handlers: defineHandlers({
    'workspaces.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.workspaces.list(accountIdOf(principal), positionOf(query.cursor), limit);
      return {
        status: 200,
        body: pageOf(rows, limit, (row) => services.workspaces.toWorkspace(toRecord(row))),
      };
    },

    'workspaces.create': async ({ principal, body, services }) => ({
      status: 201,
      body: services.workspaces.toWorkspace(await services.workspaces.create(principal, body)),
    }),

    'workspaces.get': async ({ principal, path, services }) => ({
      status: 200,
      body: services.workspaces.toWorkspace(
        await services.workspaces.authorizeAdmin(principal, path.workspaceId),
      ),
    }),

    'workspaces.update': async ({ principal, path, body, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return {
        status: 200,
        body: services.workspaces.toWorkspace(await services.workspaces.update(principal, ws, body)),
      };
    },

    'workspaces.delete': async ({ principal, path, services }) => {
      await services.workspaces.delete(await services.workspaces.authorizeAdmin(principal, path.workspaceId));
      return { status: 204 };
    },

    'workspaces.members.list': async ({ principal, path, query, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const limit = query.limit ?? 50;
      const rows = await services.workspaces.members.list(ws.id, positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, toMember) };
    },

    'workspaces.members.create': async ({ principal, path, body, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return { status: 201, body: await services.workspaces.members.create(principal, ws.id, body) };
    },

    'workspaces.members.update': async ({ principal, path, body, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return {
        status: 200,
        body: await services.workspaces.members.update(principal, ws.id, path.memberId, body),
      };
    },

    'workspaces.members.delete': async ({ principal, path, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      await services.workspaces.members.delete(principal, ws.id, path.memberId);
      return { status: 204 };
    },

    'workspaces.tokens.list': async ({ principal, path, query, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const limit = query.limit ?? 50;
      const rows = await services.workspaces.tokens.list(ws.id, positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, toWorkspaceToken) };
    },

    'workspaces.tokens.create': async ({ principal, path, body, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const { token, secret } = await services.workspaces.tokens.create(principal, ws.id, body);
      const { gatewayUrl } = services.workspaces.toWorkspace(ws);
      return {
        status: 201,
        body: { token, secret, clientConfig: clientConfig(ws.slug, gatewayUrl, secret) },
      };
    },

    'workspaces.tokens.revoke': async ({ principal, path, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      await services.workspaces.tokens.revoke(principal, ws.id, path.tokenId);
      return { status: 204 };
    },

    'workspaces.secrets.list': async ({ principal, path, query, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const limit = query.limit ?? 50;
      const rows = await services.workspaces.secrets.list(ws.id, positionOf(query.cursor), limit);
      const page = pageOf(
        rows.map((row) => ({ ...row, id: row.name })),
        limit,
        toSecretInfo,
      );
      return { status: 200, body: page };
    },

    'workspaces.secrets.set': async ({ principal, path, body, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      return {
        status: 200,
        body: await services.workspaces.secrets.set(principal, ws.id, path.secretName, body.value),
      };
    },

    'workspaces.secrets.delete': async ({ principal, path, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      await services.workspaces.secrets.delete(principal, ws.id, path.secretName);
      return { status: 204 };
    },

    'workspaces.audit.list': async ({ principal, path, query, services }) => {
      const ws = await services.workspaces.authorizeAdmin(principal, path.workspaceId);
      const limit = query.limit ?? 50;
      const rows = await services.workspaces.auditList(ws.id, positionOf(query.cursor), limit);
      return { status: 200, body: pageOf(rows, limit, toAuditEvent) };
    },
  }),
});
