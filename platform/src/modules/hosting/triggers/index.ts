import { tables } from '../../../db/database.js';
import type { Services } from '../../../services.js';
import type { Loader } from '../loader.js';
import type { HostingLogs } from '../logs/index.js';
import type { HostedRuntime } from '../runtime/contract.js';
import { consumersOf, createConsumers } from './consumers.js';
import { createScheduler } from './scheduler.js';
import * as store from './store.js';

/** How often each node looks for due ticks and queued messages. */
const PASS_MS = 1_000;
/** How often each node marks interrupted cron runs and forgets old claims and orphaned logs. */
const SWEEP_MS = 60_000;

/**
 * What runs hosted code without an HTTP request (decision 0052): cron triggers and queue
 * consumers of every active deployment, driven by one timer per node that passes with the time
 * of day; tests call `pass` and `sweep` with a time of their own instead of waiting.
 */
export function createTriggers(
  services: Services,
  runtime: HostedRuntime | null,
  options: { loader: Loader; logs: HostingLogs },
) {
  const db = tables<store.TriggerTables>(services.database);
  const { loader, logs } = options;
  const scheduler = createScheduler(services, {
    logs,
    run: async (projectId, worker, event) =>
      (await loader.ready(projectId, worker)).scheduled(projectId, worker, event),
  });
  const consumers = createConsumers(services, {
    run: async (projectId, worker, batch) =>
      (await loader.ready(projectId, worker)).queue(projectId, worker, batch),
  });
  const polls = new Set<Promise<void>>();
  let closed = false;
  let passTimer: NodeJS.Timeout | undefined;
  let lastSweep = 0;

  const report = (what: string) => (error: unknown) =>
    services.logger.error(`hosting: ${what} failed`, { error: String(error) });

  /** Claims the due ticks at `now` and starts a poll of every consumer not already busy here. */
  async function pass(now: number) {
    const deployments = await store.triggeredDeployments(db);
    for (const consumer of deployments.flatMap(consumersOf)) {
      const poll = consumers.poll(consumer).catch(report('a queue consumer'));
      polls.add(poll);
      void poll.finally(() => polls.delete(poll));
    }
    return scheduler.runDue(now, deployments);
  }

  async function sweep(now: number): Promise<void> {
    await scheduler.sweep(now);
    await logs.deleteOrphans();
  }

  async function loop(): Promise<void> {
    const now = Date.now();
    await pass(now).catch(report('a trigger pass'));
    if (now - lastSweep >= SWEEP_MS) {
      lastSweep = now;
      await sweep(now).catch(report('the trigger sweep'));
    }
    if (!closed) passTimer = setTimeout(() => void loop(), PASS_MS).unref();
  }
  // Without a runtime nothing can run: no pass claims a tick it could not run.
  if (runtime) passTimer = setTimeout(() => void loop(), PASS_MS).unref();

  return {
    pass,
    sweep,
    /** Waits for the cron runs and consumer batches this node started. */
    async settle(): Promise<void> {
      while (polls.size > 0) await Promise.all(polls);
      await scheduler.settle();
    },
    /**
     * Stops the timer. Runs in flight are not waited for (a cron run may take the wall limit):
     * the runtime's close ends them, and a run that could not record its end shows as
     * interrupted.
     */
    close(): void {
      closed = true;
      clearTimeout(passTimer);
    },
  };
}

export type Triggers = ReturnType<typeof createTriggers>;
