import type { Kysely } from 'kysely';
import type { HostingTables } from '../store.js';

export interface TriggerTables extends HostingTables {
  hosting_cron_runs: {
    project_id: string;
    worker: string;
    cron: string;
    /** Epoch ms of the scheduled time. */
    tick: number;
    deployment_id: string;
    /** The node that claimed the tick (bus node id). */
    node: string;
    claimed_at: number;
    finished_at: number | null;
    /** The run's outcome (`ok`, `exception`, a limit, `interrupted`), null while it runs. */
    outcome: string | null;
  };
}

type Db = Kysely<TriggerTables>;
export type CronRun = TriggerTables['hosting_cron_runs'];
export type RunKey = Pick<CronRun, 'project_id' | 'worker' | 'cron' | 'tick'>;

/** An active deployment that has cron triggers or queue consumers, in any project. */
export interface TriggeredDeployment {
  id: string;
  project_id: string;
  worker: string;
  /** JSON: string[]. */
  crons: string;
  /** JSON: Binding[]. */
  bindings: string;
  created_at: string;
}

/** Every active deployment with a schedule or a queue consumer. */
export function triggeredDeployments(db: Db): Promise<TriggeredDeployment[]> {
  return db
    .selectFrom('hosting_deployments')
    .innerJoin('hosting_workers', 'hosting_workers.active_deployment_id', 'hosting_deployments.id')
    .select([
      'hosting_deployments.id',
      'hosting_deployments.project_id',
      'hosting_deployments.worker',
      'hosting_deployments.crons',
      'hosting_deployments.bindings',
      'hosting_deployments.created_at',
    ])
    .where((eb) =>
      eb.or([
        eb('hosting_deployments.crons', '<>', '[]'),
        eb('hosting_deployments.bindings', 'like', '%"queues.consumers"%'),
      ]),
    )
    .execute();
}

/** Claims a tick: true for the one caller, on any node, whose row went in. */
export async function claim(db: Db, run: CronRun): Promise<boolean> {
  const inserted = await db
    .insertInto('hosting_cron_runs')
    .values(run)
    .onConflict((c) => c.doNothing())
    .returning('tick')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function finish(db: Db, key: RunKey, outcome: string, at: number): Promise<void> {
  await db
    .updateTable('hosting_cron_runs')
    .set({ outcome, finished_at: at })
    .where('project_id', '=', key.project_id)
    .where('worker', '=', key.worker)
    .where('cron', '=', key.cron)
    .where('tick', '=', key.tick)
    .where('finished_at', 'is', null)
    .execute();
}

/**
 * Marks runs claimed before `before` that never finished as interrupted (their process stopped);
 * each is returned once, to the caller whose update changed it.
 */
export function interrupt(db: Db, before: number, at: number): Promise<CronRun[]> {
  return db
    .updateTable('hosting_cron_runs')
    .set({ outcome: 'interrupted', finished_at: at })
    .where('finished_at', 'is', null)
    .where('claimed_at', '<', before)
    .returningAll()
    .execute();
}

/** Forgets claims of ticks before `before`: no scheduler looks that far back. */
export async function removeOld(db: Db, before: number): Promise<void> {
  await db.deleteFrom('hosting_cron_runs').where('tick', '<', before).execute();
}
