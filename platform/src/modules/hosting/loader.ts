import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import { bindingsOf } from './bindings/index.js';
import { servicesOf } from './layout/services.js';
import type { Binding } from './layout/toml.js';
import type { HostedRuntime, WorkerSource } from './runtime/contract.js';
import type { HostingSecrets } from './secrets.js';
import * as store from './store.js';

/**
 * The bus channel of every change to what a project runs: a deploy, a rollback, a deleted worker
 * or a changed secret; each process drops its cached set and the next request loads the new one
 * (the runtime swaps it in while the old one serves). `unload: true` (the project is deleted)
 * also stops the project's workerd.
 */
export const HOSTING_CHANGED = 'hosting.changed';
type ChangedMessage = { projectId: string; unload: boolean };

/** The TTL bounds staleness should a cross-node message be lost. */
const CACHE_TTL_MS = 30_000;

/** The project's secrets as a worker receives them, and the tag of that version of them. */
export type OpenedSecrets = Awaited<ReturnType<HostingSecrets['reveal']>>;

/**
 * A deployment as the runtime loads it: the runtime reloads a worker when its deployment or what
 * it receives (vars with the secrets, bindings) changes, so a new version of the secrets reloads
 * the same deployment.
 */
export function toSource(row: store.DeploymentRow, secrets: OpenedSecrets): WorkerSource {
  const vars = { ...Object.fromEntries(JSON.parse(row.vars) as [string, string][]), ...secrets.values };
  const declared = JSON.parse(row.bindings) as Binding[];
  return {
    deploymentId: row.id,
    name: row.worker,
    modules: JSON.parse(row.modules),
    compatibilityDate: row.compatibility_date,
    compatibilityFlags: JSON.parse(row.compatibility_flags),
    // The project's secrets win over a `[vars]` entry of the same name (a default in the file).
    vars,
    bindings: bindingsOf(declared, vars),
    services: servicesOf(declared, vars),
  };
}

/**
 * What each platform process keeps of hosted code: the project's active workers (code and opened
 * secrets) as the runtime takes them, cached per process and dropped on every process through the
 * bus when a deployment or a secret changes. Changes to one project's set are serialized in this
 * process, so a deploy's trial load and its rollback on failure do not interleave with another.
 */
export function createLoader(
  services: Services,
  runtime: HostedRuntime | null,
  secrets: Pick<HostingSecrets, 'reveal'>,
) {
  const db = tables<store.HostingTables>(services.database);
  const cache = createLookupCache<WorkerSource[]>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  const locks = new Map<string, Promise<unknown>>();

  async function forget({ projectId, unload }: ChangedMessage): Promise<void> {
    cache.invalidate([projectId]);
    if (unload) await runtime?.unload(projectId);
  }
  const unsubscribe = services.bus.subscribe(HOSTING_CHANGED, (message) => {
    forget(message as unknown as ChangedMessage).catch((error: unknown) =>
      services.logger.warn('hosting: unloading a project failed', { error: String(error) }),
    );
  });

  /** The project's active workers as the database has them now. */
  async function current(projectId: string): Promise<WorkerSource[]> {
    const rows = await store.activeDeployments(db, projectId);
    if (rows.length === 0) return [];
    const opened = await secrets.reveal(projectId);
    return rows.map((row) => toSource(row, opened));
  }

  function required(): HostedRuntime {
    if (!runtime) {
      throw new ApiError(
        'hosting/runtime-unavailable',
        'This platform cannot run hosted code (workerd did not start).',
      );
    }
    return runtime;
  }

  /**
   * The runtime with the project's active set loaded, `worker` among it; for a request, a cron
   * tick or a queue batch. While this process changes the set (a deploy's trial load), callers
   * wait for it rather than load the set being replaced back in.
   */
  async function ready(projectId: string, worker: string): Promise<HostedRuntime> {
    const rt = required();
    await locks.get(projectId);
    const sources = (await cache.load(projectId, () => current(projectId))) ?? [];
    if (!sources.some((s) => s.name === worker)) {
      throw new ApiError('hosting/function-not-found', `No worker ${worker} is deployed in this project.`);
    }
    await rt.ensure(projectId, sources);
    return rt;
  }

  return {
    required,
    current,

    /** Runs `task` alone among this process's changes to the project's set. */
    exclusive<T>(projectId: string, task: () => Promise<T>): Promise<T> {
      const previous = locks.get(projectId) ?? Promise.resolve();
      const next = previous.then(task, task);
      const settled = next.catch(() => undefined);
      locks.set(projectId, settled);
      void settled.then(() => {
        if (locks.get(projectId) === settled) locks.delete(projectId);
      });
      return next;
    },

    /**
     * Loads `candidate` as the project's set; when the runtime refuses it, loads `previous` again
     * (so what ran keeps running) and throws the runtime's error.
     */
    async trial(projectId: string, candidate: WorkerSource[], previous: WorkerSource[]): Promise<void> {
      const rt = required();
      try {
        await rt.ensure(projectId, candidate);
      } catch (error) {
        await (previous.length > 0 ? rt.ensure(projectId, previous) : rt.unload(projectId)).catch(
          (restore: unknown) =>
            services.logger.warn('hosting: reloading the previous deployments failed', {
              projectId,
              error: String(restore),
            }),
        );
        throw error;
      }
    },

    /** Tells every process (this one first) that the project's set or secrets changed. */
    async changed(projectId: string, unload = false): Promise<void> {
      const message: ChangedMessage = { projectId, unload };
      await forget(message);
      await services.bus.publish(HOSTING_CHANGED, message);
    },

    ready,

    /** Forwards `request` to the project's worker (see `ready`). */
    async fetch(projectId: string, worker: string, request: Request): Promise<Response> {
      return (await ready(projectId, worker)).fetch(projectId, worker, request);
    },

    async unload(projectId: string): Promise<void> {
      cache.invalidate([projectId]);
      await runtime?.unload(projectId);
    },

    async close(): Promise<void> {
      unsubscribe();
      await runtime?.close();
    },
  };
}

export type Loader = ReturnType<typeof createLoader>;
