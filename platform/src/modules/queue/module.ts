import { projectIdOf, userIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import type { JsonValue } from '../../services/bus/index.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { createQueueService, type QueueService, toJob } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    queue: QueueService;
  }
}

export default defineModule({
  name: 'queue',
  migrations,
  dropProject,
  create: createQueueService,
  handlers: defineHandlers({
    'queue.enqueue': async ({ principal, body, services }) => {
      const { job, created } = await services.queue.enqueue(projectIdOf(principal), body);
      return created ? { status: 201, body: job } : { status: 200, body: job };
    },

    'queue.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.queue.list(
        projectIdOf(principal),
        { type: query.type, status: query.status },
        positionOf(query.cursor),
        limit,
      );
      return { status: 200, body: pageOf(rows, limit, toJob) };
    },

    // The secret key reads any job of its project; an end user only the jobs enqueued for them.
    'queue.get': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.queue.get(
        projectIdOf(principal),
        path.jobId,
        principal.scheme === 'secretKey' ? null : (userIdOf(principal) ?? ''),
      ),
    }),

    'queue.cancel': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.queue.cancel(projectIdOf(principal), path.jobId),
    }),

    'queue.redrive': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.queue.redrive(projectIdOf(principal), path.jobId),
    }),

    'queue.pull': async ({ principal, body, services }) => ({
      status: 200,
      body: { data: await services.queue.pull(projectIdOf(principal), body ?? {}) },
    }),

    'queue.heartbeat': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.queue.heartbeat(
        projectIdOf(principal),
        path.jobId,
        body.leaseId,
        body.leaseSeconds ?? 30,
      ),
    }),

    'queue.ack': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.queue.ack(
        projectIdOf(principal),
        path.jobId,
        body.leaseId,
        (body.result ?? null) as JsonValue,
      ),
    }),

    'queue.fail': async ({ principal, path, body, services }) => ({
      status: 200,
      body: await services.queue.fail(
        projectIdOf(principal),
        path.jobId,
        body.leaseId,
        body.error,
        body.retry ?? true,
      ),
    }),
  }),
});
