import { accountIdOf, type Principal } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { ApiError } from '../../http/problem.js';
import { encodeCursor, pageOf, positionOf } from '../../lib/cursor.js';
import type { OpenStream } from '../../services/streams/index.js';
import type { Services } from '../../services.js';
import { defineModule } from '../module.js';
import { createBindingHandler } from './bindings/index.js';
import { toCatalogEntry } from './catalog/index.js';
import { dropProject } from './drop.js';
import { functionEndpoints } from './function-endpoint.js';
import { MAX_TAILS, toLog } from './logs/index.js';
import { migrations } from './migrations.js';
import { toDeployment, toWorker } from './present.js';
import { createRuntime, type HostedRuntime } from './runtime/index.js';
import { toSecretInfo } from './secrets.js';
import { createHostingService, type HostingService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    hosting: HostingService;
  }
}

/** The project, when it belongs to the account key's account (else 404 `projects/not-found`). */
async function owned(services: Services, principal: Principal, projectId: string): Promise<string> {
  await services.projects.owned(accountIdOf(principal), projectId);
  return projectId;
}

/**
 * The runtime for hosted code; null when it cannot start here (no workerd binary for this
 * platform): the rest of the platform serves on, and hosting answers 503.
 */
function startRuntime(services: Services): HostedRuntime | null {
  try {
    return createRuntime({
      limits: services.config.hosting.runtime,
      // env.DB, env.CACHE, …: the project's own stores, served here (decision 0049).
      bindings: createBindingHandler(services),
    });
  } catch (error) {
    services.logger.error('hosting: workerd cannot start; hosted code is unavailable', {
      error: String(error),
    });
    return null;
  }
}

/** A tail of the worker's logs, counted against its cap on every node (decision 0045's registry). */
async function openTail(services: Services, projectId: string, worker: string): Promise<OpenStream> {
  const stream = await services.streams.open(
    `hosting-tail:${projectId}:${worker}`,
    'hosting-tail',
    MAX_TAILS,
  );
  if (stream) return stream;
  throw new ApiError(
    'hosting/too-many-tails',
    `At most ${MAX_TAILS} tails of one worker are open at once: close one first.`,
  );
}

/** The logs as `log` events; the tail's record is forgotten when the stream ends or its client goes. */
async function* tailEvents(
  services: Services,
  projectId: string,
  worker: string,
  stream: OpenStream,
  signal: AbortSignal,
) {
  if (signal.aborted) stream.close();
  else signal.addEventListener('abort', () => stream.close(), { once: true });
  try {
    for await (const log of services.hosting.logs.tail(projectId, worker, signal)) {
      yield { id: log.id, event: 'log', data: log };
    }
  } finally {
    stream.close();
  }
}

/** A deployments cursor names the last version of the page (versions only grow). */
function beforeVersion(cursor: string | undefined): number | null {
  const position = positionOf(cursor);
  if (position === null) return null;
  const version = Number(position.id);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this API.', {
      errors: [{ location: 'query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return version;
}

export default defineModule({
  name: 'hosting',
  migrations,
  dropProject,
  create: (services: Services) => createHostingService(services, startRuntime(services)),
  endpoints: functionEndpoints,
  handlers: defineHandlers({
    'hosting.deployments.create': async ({ principal, path, body, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const row = await services.hosting.deployments.deploy(projectId, body);
      return { status: 201, body: toDeployment(row, row.id) };
    },

    'hosting.deployments.rollback': async ({ principal, path, body, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const row = await services.hosting.deployments.rollback(projectId, path.workerName, body.deploymentId);
      return { status: 201, body: toDeployment(row, row.id) };
    },

    'hosting.deployments.list': async ({ principal, path, query, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const limit = query.limit ?? 50;
      const { rows, activeId } = await services.hosting.deployments.list(
        projectId,
        path.workerName,
        beforeVersion(query.cursor),
        limit,
      );
      const data = rows.slice(0, limit);
      const last = data[data.length - 1];
      return {
        status: 200,
        body: {
          data: data.map((row) => toDeployment(row, activeId)),
          nextCursor:
            rows.length > limit && last
              ? encodeCursor({ createdAt: last.created_at, id: String(last.version) })
              : null,
        },
      };
    },

    'hosting.deployments.get': async ({ principal, path, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const { row, activeId } = await services.hosting.deployments.get(
        projectId,
        path.workerName,
        path.deploymentId,
      );
      return { status: 200, body: toDeployment(row, activeId) };
    },

    'hosting.workers.list': async ({ principal, path, query, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const limit = query.limit ?? 50;
      const rows = await services.hosting.deployments.listWorkers(projectId, positionOf(query.cursor), limit);
      const publicUrl = services.config.publicUrl;
      return {
        status: 200,
        body: pageOf(
          rows.map((row) => ({ ...row, id: row.name })),
          limit,
          (row) => toWorker(row, publicUrl),
        ),
      };
    },

    'hosting.workers.get': async ({ principal, path, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const row = await services.hosting.deployments.worker(projectId, path.workerName);
      return { status: 200, body: toWorker(row, services.config.publicUrl) };
    },

    'hosting.workers.delete': async ({ principal, path, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      await services.hosting.deployments.deleteWorker(projectId, path.workerName);
      return { status: 204 };
    },

    'hosting.catalog.list': async ({ principal, path, query, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const limit = query.limit ?? 50;
      const rows = await services.hosting.catalog.list(
        projectId,
        query.kind,
        positionOf(query.cursor),
        limit,
      );
      const publicUrl = services.config.publicUrl;
      return {
        status: 200,
        body: pageOf(
          rows.map((row) => ({ ...row, id: row.slug })),
          limit,
          (row) => toCatalogEntry(row, publicUrl),
        ),
      };
    },

    'hosting.catalog.get': async ({ principal, path, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const row = await services.hosting.catalog.get(projectId, path.slug);
      return { status: 200, body: toCatalogEntry(row, services.config.publicUrl) };
    },

    'hosting.logs.list': async ({ principal, path, query, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      await services.hosting.deployments.worker(projectId, path.workerName);
      const limit = query.limit ?? 50;
      const rows = await services.hosting.logs.list(
        projectId,
        path.workerName,
        query.deploymentId ?? null,
        positionOf(query.cursor),
        limit,
      );
      return { status: 200, body: pageOf(rows, limit, toLog) };
    },

    'hosting.logs.tail': async ({ principal, path, services, signal }) => {
      const projectId = await owned(services, principal, path.projectId);
      await services.hosting.deployments.worker(projectId, path.workerName);
      const stream = await openTail(services, projectId, path.workerName);
      return { status: 200, events: tailEvents(services, projectId, path.workerName, stream, signal) };
    },

    'hosting.secrets.list': async ({ principal, path, query, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      const limit = query.limit ?? 50;
      const rows = await services.hosting.secrets.list(projectId, positionOf(query.cursor), limit);
      return {
        status: 200,
        body: pageOf(
          rows.map((row) => ({ ...row, id: row.name })),
          limit,
          toSecretInfo,
        ),
      };
    },

    'hosting.secrets.set': async ({ principal, path, body, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      return {
        status: 200,
        body: await services.hosting.secrets.set(projectId, path.secretName, body.value),
      };
    },

    'hosting.secrets.delete': async ({ principal, path, services }) => {
      const projectId = await owned(services, principal, path.projectId);
      await services.hosting.secrets.delete(projectId, path.secretName);
      return { status: 204 };
    },
  }),
});
