import { type Principal, projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { dropProject, revokeProject } from './drop.js';
import { limit } from './limits.js';
import { migrations } from './migrations.js';
import { oidcCallbackEndpoint } from './oidc-callback.js';
import { type AuthService, createAuthService, toUser } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    auth: AuthService;
  }
}

/** The signed-in user's ids (the operation's security is `userSession`). */
function self(principal: Principal) {
  if (!principal.userId || !principal.credentialId) throw new Error('expected a userSession principal');
  return { projectId: projectIdOf(principal), userId: principal.userId, sessionId: principal.credentialId };
}

const emailKey = (email: string) => email.trim().toLowerCase();

export default defineModule({
  name: 'auth',
  migrations,
  revokeProject,
  dropProject,
  create: createAuthService,
  credentials: (services) => [services.auth.sessions.checker()],
  endpoints: (services) => [oidcCallbackEndpoint(services)],
  handlers: defineHandlers({
    'auth.signUp': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'signUp', { ip: clientIp, projectId });
      return { status: 201, body: await services.auth.signUp(projectId, body) };
    },

    'auth.signInWithPassword': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'signIn', { ip: clientIp, projectId, identity: emailKey(body.email) });
      return {
        status: 200,
        body: await services.auth.signInWithPassword(projectId, body.email, body.password),
      };
    },

    'auth.refresh': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'refresh', { ip: clientIp, projectId });
      return { status: 200, body: await services.auth.refresh(projectId, body.refreshToken) };
    },

    'auth.signOut': async ({ principal, body, services }) => {
      const { userId, sessionId } = self(principal);
      await services.auth.signOut(sessionId, userId, body?.scope ?? 'session');
      return { status: 204 };
    },

    'auth.getUser': async ({ principal, services }) => {
      const { projectId, userId } = self(principal);
      return { status: 200, body: await services.auth.getUser(projectId, userId) };
    },

    'auth.updateUser': async ({ principal, body, services }) => {
      const { projectId, userId, sessionId } = self(principal);
      return { status: 200, body: await services.auth.updateSelf(projectId, userId, sessionId, body) };
    },

    'auth.deleteUser': async ({ principal, services }) => {
      const { projectId, userId } = self(principal);
      await services.auth.deleteUser(projectId, userId);
      return { status: 204 };
    },

    'auth.sendOtp': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'sendEmail', { ip: clientIp, projectId, identity: emailKey(body.email) });
      await services.auth.sendOtp(projectId, body.email);
      return { status: 204 };
    },

    'auth.verifyOtp': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'verify', { ip: clientIp, projectId, identity: emailKey(body.email) });
      return { status: 200, body: await services.auth.verifyOtp(projectId, body.email, body.code) };
    },

    'auth.sendMagicLink': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'sendEmail', { ip: clientIp, projectId, identity: emailKey(body.email) });
      await services.auth.sendMagicLink(projectId, body.email, body.redirectTo);
      return { status: 204 };
    },

    'auth.verifyMagicLink': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'verify', { ip: clientIp, projectId });
      return { status: 200, body: await services.auth.verifyMagicLink(projectId, body.token) };
    },

    'auth.verifyEmail': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'verify', { ip: clientIp, projectId });
      return { status: 200, body: await services.auth.verifyEmail(projectId, body.token) };
    },

    'auth.resendVerification': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'sendEmail', { ip: clientIp, projectId, identity: emailKey(body.email) });
      await services.auth.resendVerification(projectId, body.email, body.redirectTo);
      return { status: 204 };
    },

    'auth.requestPasswordReset': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'sendEmail', { ip: clientIp, projectId, identity: emailKey(body.email) });
      await services.auth.requestPasswordReset(projectId, body.email, body.redirectTo);
      return { status: 204 };
    },

    'auth.resetPassword': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'verify', { ip: clientIp, projectId });
      await services.auth.resetPassword(projectId, body.token, body.password);
      return { status: 204 };
    },

    'auth.jwks': async ({ path, services }) => ({
      status: 200,
      body: { keys: await services.auth.keys.jwks(path.projectId, services.config.auth.accessTtlSeconds) },
      headers: { 'cache-control': 'public, max-age=300' },
    }),

    'auth.users.list': async ({ principal, query, services }) => {
      const limitTo = query.limit ?? 50;
      const rows = await services.auth.listUsers(projectIdOf(principal), positionOf(query.cursor), limitTo);
      return { status: 200, body: pageOf(rows, limitTo, toUser) };
    },

    'auth.users.get': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.auth.getUser(projectIdOf(principal), path.userId),
    }),

    'auth.users.update': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.auth.updateUser(projectIdOf(principal), path.userId, body),
    }),

    'auth.users.delete': async ({ principal, path, services }) => {
      await services.auth.deleteUser(projectIdOf(principal), path.userId);
      return { status: 204 };
    },

    'auth.outbox.list': async ({ principal, query, services }) => {
      const limitTo = query.limit ?? 50;
      const rows = await services.auth.listOutbox(projectIdOf(principal), positionOf(query.cursor), limitTo);
      return {
        status: 200,
        body: pageOf(rows, limitTo, (row) => ({
          id: row.id,
          to: row.recipient,
          subject: row.subject,
          text: row.text,
          createdAt: row.created_at,
        })),
      };
    },

    'auth.settings.get': async ({ principal, services }) => ({
      status: 200,
      body: await services.auth.settings(projectIdOf(principal)),
    }),

    'auth.settings.update': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.auth.updateSettings(projectIdOf(principal), body),
    }),

    'auth.providers.list': async ({ principal, services }) => ({
      status: 200,
      body: { data: await services.auth.oidc.providers.list(projectIdOf(principal)), nextCursor: null },
    }),

    'auth.providers.get': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.auth.oidc.providers.get(projectIdOf(principal), path.provider),
    }),

    'auth.providers.put': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.auth.oidc.providers.put(projectIdOf(principal), path.provider, body),
    }),

    'auth.providers.delete': async ({ principal, path, services }) => {
      await services.auth.oidc.providers.delete(projectIdOf(principal), path.provider);
      return { status: 204 };
    },

    'auth.signInWithOIDC': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'signIn', { ip: clientIp, projectId });
      return { status: 200, body: await services.auth.oidc.start(projectId, body) };
    },

    'auth.exchangeCode': async ({ principal, body, services, clientIp }) => {
      const projectId = projectIdOf(principal);
      await limit(services, 'verify', { ip: clientIp, projectId });
      return { status: 200, body: await services.auth.exchangeCode(projectId, body.code, body.codeVerifier) };
    },

    'auth.signingKeys.rotate': async ({ principal, services }) => {
      const { row, publicKey } = await services.auth.keys.rotate(projectIdOf(principal));
      return {
        status: 201,
        body: { kid: row.kid, algorithm: 'EdDSA', createdAt: row.created_at, publicKey },
      };
    },
  }),
});
