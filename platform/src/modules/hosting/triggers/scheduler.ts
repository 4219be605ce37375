import { tables } from '../../../db/database.js';
import type { Services } from '../../../services.js';
import type { HostingLogs } from '../logs/index.js';
import type { HostedRuntime } from '../runtime/contract.js';
import { latestTick } from './cron.js';
import * as store from './store.js';

/**
 * A missed tick is run late when it is at most this old: a restart or a deploy takes seconds to
 * minutes; after a longer outage the schedule resumes at its next tick (decision 0052).
 */
export const CATCH_UP_MS = 15 * 60_000;
/** Claims are kept this long, well past the catch-up window, then forgotten. */
const KEEP_CLAIMS_MS = 24 * 3_600_000;
/** A claim unfinished this long after the wall limit belongs to a process that stopped. */
const INTERRUPTED_AFTER_MS = 60_000;

/** The runtime's cron dispatch (`HostedRuntime.scheduled`). */
export type RunScheduled = HostedRuntime['scheduled'];

/**
 * Cron triggers of every active deployment, on every node (decision 0052). Each pass looks at the
 * latest tick of each schedule; the node whose claim row goes in (unique per worker, schedule and
 * tick) runs it, so a tick runs once across nodes and restarts. Ticks before the deployment, and
 * ticks older than `CATCH_UP_MS`, never run; of several missed ticks only the latest runs.
 */
export function createScheduler(services: Services, options: { logs: HostingLogs; run: RunScheduled }) {
  const db = tables<store.TriggerTables>(services.database);
  const wallMs = services.config.hosting.runtime.wallMs;
  /** The latest tick this node has claimed or seen claimed, per schedule: no second INSERT for it. */
  const seen = new Map<string, number>();
  const running = new Set<Promise<void>>();

  async function fire(deployment: store.TriggeredDeployment, cron: string, tick: number, now: number) {
    const key = { project_id: deployment.project_id, worker: deployment.worker, cron, tick };
    let outcome = 'ok';
    try {
      ({ outcome } = await options.run(deployment.project_id, deployment.worker, {
        cron,
        scheduledTime: tick,
      }));
    } catch (error) {
      outcome = (error as { code?: string }).code ?? 'error';
      services.logger.warn('hosting: a cron trigger failed', {
        projectId: deployment.project_id,
        worker: deployment.worker,
        cron,
        error: String(error),
      });
    }
    await store.finish(db, key, outcome, Math.max(now, Date.now()));
  }

  /**
   * Claims and starts the due ticks at `now` of `deployments` (by default every active one with a
   * schedule); resolves with the ticks this node claimed.
   */
  async function runDue(now: number, deployments?: store.TriggeredDeployment[]): Promise<store.RunKey[]> {
    const claimed: store.RunKey[] = [];
    const active = new Set<string>();
    for (const deployment of deployments ?? (await store.triggeredDeployments(db))) {
      const since = Date.parse(deployment.created_at);
      for (const cron of JSON.parse(deployment.crons) as string[]) {
        const tick = latestTick(cron, now);
        const id = `${deployment.project_id}\n${deployment.worker}\n${cron}`;
        active.add(id);
        if (tick === null || tick < since || tick < now - CATCH_UP_MS || tick <= (seen.get(id) ?? -1))
          continue;
        const run: store.CronRun = {
          project_id: deployment.project_id,
          worker: deployment.worker,
          cron,
          tick,
          deployment_id: deployment.id,
          node: services.bus.nodeId,
          claimed_at: now,
          finished_at: null,
          outcome: null,
        };
        const won = await store.claim(db, run);
        seen.set(id, tick);
        if (!won) continue;
        claimed.push(run);
        const started = fire(deployment, cron, tick, now).catch((error: unknown) =>
          services.logger.error('hosting: recording a cron run failed', { error: String(error) }),
        );
        running.add(started);
        void started.finally(() => running.delete(started));
      }
    }
    // Schedules gone (a worker deleted, a cron removed) are forgotten.
    for (const id of seen.keys()) if (!active.has(id)) seen.delete(id);
    return claimed;
  }

  /**
   * Reports runs whose process stopped before they finished (they are not run again: their work
   * may be half done) in the deployment's logs, and forgets old claims.
   */
  async function sweep(now: number): Promise<void> {
    for (const run of await store.interrupt(db, now - wallMs - INTERRUPTED_AFTER_MS, now)) {
      options.logs.record(run.project_id, {
        deploymentId: run.deployment_id,
        worker: run.worker,
        at: now,
        outcome: 'interrupted',
        lines: [
          {
            level: 'error',
            message: `The cron run "${run.cron}" of ${new Date(Number(run.tick)).toISOString()} did not finish: its platform process stopped. It is not run again.`,
            at: now,
          },
        ],
      });
    }
    await store.removeOld(db, now - KEEP_CLAIMS_MS);
  }

  return {
    runDue,
    sweep,
    /** Waits for the runs this node started (tests, shutdown). */
    async settle(): Promise<void> {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
