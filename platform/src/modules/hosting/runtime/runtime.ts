import { createHash } from 'node:crypto';
import type { HostingRuntimeConfig } from '../../../config.js';
import { ApiError } from '../../../http/problem.js';
import { createSsrfGuard, type Resolver } from '../../../lib/ssrf.js';
import type { BindingHandler, HostedRuntime, InvocationLog, QueueResult, WorkerSource } from './contract.js';
import { supportedCompatibilityDate, useCleanEnvironment } from './launcher.js';
import { stopReasonOf } from './limits.js';
import { WorkerdProcess } from './project-process.js';
import { OWN_DIR } from './worker-code.js';

export interface RuntimeOptions {
  limits: HostingRuntimeConfig;
  /** How outbound fetches resolve host names (tests answer with private addresses). */
  resolve?: Resolver;
  /** Serves `env.DB`, `env.CACHE`, … of every worker (the platform's stores); without it workers get none. */
  bindings?: BindingHandler;
  /** How often the watchdog samples each workerd (default 50 ms): a limit is enforced this late at most. */
  watchdogMs?: number;
}

/** One project's workers and the workerd running them, if one is. */
interface Project {
  workers: readonly WorkerSource[];
  /** The deployments loaded: `ensure` with the same set changes nothing. */
  key: string;
  process: WorkerdProcess | null;
  /** Starts and reloads of one project run one at a time. */
  queue: Promise<unknown>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The identity of a loaded set: each worker's deployment and what it receives (its vars, which
 * hold the project's secrets, its bindings and service bindings), so a changed secret reloads the same deployment.
 */
function keyOf(workers: readonly WorkerSource[]): string {
  return workers
    .map((w) => {
      const received = createHash('sha256')
        .update(JSON.stringify([Object.entries(w.vars).sort(), w.bindings ?? [], w.services ?? []]))
        .digest('base64url');
      return `${w.name}@${w.deploymentId}#${received}`;
    })
    .sort()
    .join(',');
}

/** What can be refused without starting workerd. */
function validate(workers: readonly WorkerSource[], maxDate: string): void {
  const names = new Set<string>();
  for (const w of workers) {
    if (!DATE.test(w.compatibilityDate) || Number.isNaN(Date.parse(w.compatibilityDate)))
      throw new ApiError(
        'hosting/worker-invalid',
        `${w.name}: the compatibility date "${w.compatibilityDate}" is not a YYYY-MM-DD date.`,
      );
    if (w.compatibilityDate > maxDate)
      throw new ApiError(
        'hosting/compatibility-date-unsupported',
        `${w.name}: the compatibility date ${w.compatibilityDate} is later than ${maxDate}, the newest this platform's workerd supports.`,
      );
    if (names.has(w.name)) throw new ApiError('hosting/worker-invalid', `Two workers are named ${w.name}.`);
    if (w.name.startsWith('__aerostack') || w.modules.some((m) => m.name.startsWith(`${OWN_DIR}/`)))
      throw new ApiError(
        'hosting/worker-invalid',
        `${w.name}: names starting with __aerostack are the platform's.`,
      );
    if (w.modules.length === 0) throw new ApiError('hosting/worker-invalid', `${w.name} has no module.`);
    names.add(w.name);
  }
}

/**
 * The runtime for deployed code (decision 0049): one workerd per project, started on first use,
 * reloaded on a new deployment, stopped when idle; a watchdog enforcing the per-request limits.
 */
export function createRuntime(options: RuntimeOptions): HostedRuntime {
  useCleanEnvironment();
  const { limits } = options;
  const guard = createSsrfGuard({
    allowHosts: limits.allowHosts,
    ...(options.resolve ? { resolve: options.resolve } : {}),
    setting: 'AEROSTACK_HOSTING_ALLOW_HOSTS',
  });
  const projects = new Map<string, Project>();
  let closed = false;
  // The watchdog runs only while a workerd process is alive (started, not yet stopped): an idle
  // platform is not woken 20 times a second for nothing.
  const live = new Set<WorkerdProcess>();
  let watchdog: NodeJS.Timeout | null = null;
  const listeners = new Set<(projectId: string, log: InvocationLog) => void>();

  async function start(projectId: string, workers: readonly WorkerSource[]): Promise<WorkerdProcess> {
    const process = await WorkerdProcess.start(workers, {
      limits,
      guard,
      projectId,
      bindings: options.bindings,
      log: (log) => {
        for (const listener of listeners) listener(projectId, log);
      },
      stopped: (stopped) => {
        live.delete(stopped);
        const project = projects.get(projectId);
        if (project?.process === stopped) project.process = null;
      },
    });
    if (process.stoppedBy === null) {
      live.add(process);
      watch();
    }
    return process;
  }

  /** A process started for a project unloaded (or a runtime closed) meanwhile is stopped at once. */
  async function keepIfCurrent(projectId: string, project: Project, process: WorkerdProcess): Promise<void> {
    if (projects.get(projectId) === project) return;
    await process.stop();
    throw new ApiError('hosting/function-not-found');
  }

  /** Runs `task` after the project's earlier starts and reloads. */
  function serially<T>(project: Project, task: () => Promise<T>): Promise<T> {
    const run = project.queue.then(task, task);
    project.queue = run.catch(() => {});
    return run;
  }

  /** The project's running workerd, started again if a limit, idleness or a crash stopped it. */
  function running(projectId: string, project: Project): Promise<WorkerdProcess> {
    const current = project.process;
    if (current && current.stoppedBy === null) return Promise.resolve(current);
    return serially(project, async () => {
      if (project.process && project.process.stoppedBy === null) return project.process;
      const process = await start(projectId, project.workers);
      await keepIfCurrent(projectId, project, process);
      project.process = process;
      return process;
    });
  }

  async function unload(projectId: string): Promise<void> {
    const project = projects.get(projectId);
    if (!project) return;
    projects.delete(projectId);
    await serially(project, async () => project.process?.stop());
  }

  /** One request (or, with `event`, one event) to a loaded worker of the project. */
  async function send(
    projectId: string,
    worker: string,
    request: Request,
    event?: 'scheduled' | 'queue',
  ): Promise<Response> {
    const project = projects.get(projectId);
    if (!project?.workers.some((w) => w.name === worker)) throw new ApiError('hosting/function-not-found');
    let process = await running(projectId, project);
    // Stopped between its start and this request (a limit hit by another request): start again.
    if (process.stoppedBy !== null) process = await running(projectId, project);
    return process.fetch(worker, request, event);
  }

  /**
   * A cron event or a queue batch for the worker's handler: the entry answers what the handler
   * decided as JSON, with a 500 when it threw; a limit that stopped it is the outcome.
   */
  async function dispatch(
    projectId: string,
    worker: string,
    event: 'scheduled' | 'queue',
    payload: unknown,
  ): Promise<{ outcome: InvocationLog['outcome']; body: unknown }> {
    const request = new Request('http://event.invalid/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    try {
      const response = await send(projectId, worker, request, event);
      const text = await response.text();
      const outcome = response.status === 500 ? 'exception' : 'ok';
      try {
        return { outcome, body: JSON.parse(text) };
      } catch {
        return { outcome, body: null }; // the entry's plain refusal: no decision was made
      }
    } catch (error) {
      const reason = stopReasonOf(error);
      if (reason === null) throw error;
      return { outcome: reason, body: null };
    }
  }

  function watch(): void {
    watchdog ??= setInterval(() => {
      const now = Date.now();
      for (const project of projects.values()) {
        const process = project.process;
        if (!process) continue;
        process.check(now);
        if (
          process.stoppedBy === null &&
          process.invocations.size === 0 &&
          now - process.lastActive > limits.idleMs
        )
          void process.stop();
      }
      if (live.size === 0) {
        clearInterval(watchdog!);
        watchdog = null;
      }
    }, options.watchdogMs ?? 50);
    watchdog.unref();
  }
  const maxDate = supportedCompatibilityDate();

  return {
    maxCompatibilityDate: maxDate,

    async ensure(projectId, workers) {
      if (closed) throw new Error('the hosted runtime is closed');
      validate(workers, maxDate);
      if (workers.length === 0) return unload(projectId); // nothing left to run: no process either
      const key = keyOf(workers);
      let project = projects.get(projectId);
      if (project?.key === key) return;
      if (!project) {
        // Holds no worker until its code has loaded.
        project = { workers: [], key: '', process: null, queue: Promise.resolve() };
        projects.set(projectId, project);
      }
      const target = project;
      await serially(target, async () => {
        if (target.key === key) return; // a concurrent ensure loaded this set meanwhile
        // The new set starts beside the old one, which keeps serving until the new one is up (and
        // keeps serving if it does not load).
        const next = await start(projectId, workers);
        await keepIfCurrent(projectId, target, next);
        const previous = target.process;
        Object.assign(target, { workers, key, process: next });
        await previous?.stop();
      });
    },

    fetch: (projectId, worker, request) => send(projectId, worker, request),

    async scheduled(projectId, worker, event) {
      const { outcome, body } = await dispatch(projectId, worker, 'scheduled', event);
      return { outcome, noRetry: (body as { noRetry?: boolean } | null)?.noRetry === true };
    },

    async queue(projectId, worker, batch) {
      const messages = batch.messages.map((m) => ({ ...m, timestamp: new Date(m.timestamp).getTime() }));
      const { outcome, body } = await dispatch(projectId, worker, 'queue', { queue: batch.queue, messages });
      const decided = body as Omit<QueueResult, 'outcome'> | null;
      return {
        outcome,
        ackAll: decided?.ackAll ?? false,
        retryBatch: decided?.retryBatch ?? { retry: false },
        explicitAcks: decided?.explicitAcks ?? [],
        retryMessages: decided?.retryMessages ?? [],
      };
    },

    onLog(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    unload,

    async close() {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      await Promise.all([...projects.keys()].map(unload));
    },
  };
}
