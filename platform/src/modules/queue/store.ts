import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../../db/database.js';
import { onePage, type Position } from '../../lib/cursor.js';

// The queue module's tables: only this folder reads or writes them. Every change of a job's state
// is one conditional UPDATE (compare-and-set on its status and lease), so two callers racing on a
// job cannot both win, on SQLite and PostgreSQL, across workers and nodes.

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

export interface QueueTables {
  queue_jobs: {
    id: string;
    project_id: string;
    type: string;
    /** JSON text */
    payload: string;
    status: JobStatus;
    attempts: number;
    max_attempts: number;
    backoff_seconds: number;
    /** JSON text, or null before an ack */
    result: string | null;
    error: string | null;
    idempotency_key: string | null;
    user_id: string | null;
    /** The current attempt's lease while running; null otherwise. */
    lease_id: string | null;
    /** epoch ms: when a waiting job may be leased, or when a running job's lease expires */
    available_at: number;
    created_at: string;
    updated_at: string;
    started_at: string | null;
    finished_at: string | null;
  };
}
export type JobRow = QueueTables['queue_jobs'];
type Db = Kysely<QueueTables>;

// The partial indexes' conditions, written out as in the migrations: SQLite uses a partial index
// only for a query that repeats its condition (a bound parameter proves nothing when the statement
// is prepared), so these scans name them literally.
/** The statuses a pull may lease from (a running one only once its lease has expired). */
const LEASABLE = sql<boolean>`status IN ('queued', 'failed', 'running')`;
/** Jobs under a lease, live or expired. */
const RUNNING = sql<boolean>`status = 'running'`;
/** Jobs in a final status. */
const FINISHED = sql<boolean>`status IN ('succeeded', 'cancelled', 'dead')`;

/** Inserts `row`; false when the project already has a job with its idempotency key. */
export async function insertJob(db: Db, row: JobRow): Promise<boolean> {
  if (row.idempotency_key === null) {
    await db.insertInto('queue_jobs').values(row).execute();
    return true;
  }
  const result = await db
    .insertInto('queue_jobs')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export function findJob(db: Db, projectId: string, id: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('queue_jobs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findByIdempotencyKey(db: Db, projectId: string, key: string): Promise<JobRow | undefined> {
  return db
    .selectFrom('queue_jobs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/** `limit + 1` jobs after `position`, oldest first, optionally of one type and status. */
export function listJobs(
  db: Db,
  projectId: string,
  filter: { type?: string | undefined; status?: JobStatus | undefined },
  position: Position | null,
  limit: number,
): Promise<JobRow[]> {
  let query = db.selectFrom('queue_jobs').selectAll().where('project_id', '=', projectId);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  return onePage(query, position, limit).execute();
}

export interface PullInput {
  projectId: string;
  types: string[] | null;
  limit: number;
  now: number;
  leaseId: string;
  leaseExpiresAt: number;
  nowIso: string;
}

/**
 * Leases up to `limit` leasable jobs in one statement. A running job found here has an expired
 * lease: it is leased again, or, with no attempts left, sent to the dead letter (returned too, so
 * the caller can announce it; it carries no lease). PostgreSQL's `FOR UPDATE SKIP LOCKED` lets
 * concurrent pulls take different jobs instead of queueing on the same rows; SQLite runs the
 * statement under its write lock. The outer conditions are checked again on the row the UPDATE
 * changes, so a job leased meanwhile is never leased twice.
 */
export async function pullJobs(db: Db, dialect: Dialect, input: PullInput): Promise<JobRow[]> {
  const { projectId, types, limit, now, leaseId, leaseExpiresAt, nowIso } = input;
  let candidates = db
    .selectFrom('queue_jobs')
    .select('id')
    .where('project_id', '=', projectId)
    .where(LEASABLE)
    .where('available_at', '<=', now);
  // One type is an equality, which the per-type index serves in order; several are filtered
  // along the all-types index (a per-type union could not skip locked rows on PostgreSQL).
  if (types?.length === 1) candidates = candidates.where('type', '=', types[0]!);
  else if (types) candidates = candidates.where('type', 'in', types);
  candidates = candidates.orderBy('available_at').orderBy('id').limit(limit);
  if (dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();

  const exhausted = sql<boolean>`(status = 'running' AND attempts >= max_attempts)`;
  const expiredError = 'The lease of the previous attempt expired before an ack or fail.';
  // The candidates are a materialised CTE: as a plain `IN (subquery)` PostgreSQL may run the
  // subquery again for each row it updates, leasing far more than `limit`.
  return db
    .with(
      (cte) => cte('picked').materialized(),
      () => candidates,
    )
    .updateTable('queue_jobs')
    .set({
      status: sql`CASE WHEN ${exhausted} THEN 'dead' ELSE 'running' END`,
      attempts: sql`CASE WHEN ${exhausted} THEN attempts ELSE attempts + 1 END`,
      lease_id: sql`CASE WHEN ${exhausted} THEN NULL ELSE ${leaseId} END`,
      available_at: sql`CASE WHEN ${exhausted} THEN available_at ELSE ${leaseExpiresAt} END`,
      error: sql`CASE WHEN status = 'running' THEN ${expiredError} ELSE error END`,
      started_at: sql`CASE WHEN ${exhausted} THEN started_at ELSE ${nowIso} END`,
      finished_at: sql`CASE WHEN ${exhausted} THEN ${nowIso} ELSE NULL END`,
      updated_at: nowIso,
    })
    .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
    .where('project_id', '=', projectId)
    .where(LEASABLE)
    .where('available_at', '<=', now)
    .returningAll()
    .execute();
}

/**
 * Ends the expired leases of up to `limit` running jobs, in every project: each job waits for its
 * retry (available now), or, with no attempts left, goes to the dead letter. The conditions are
 * checked again on the row, so a lease extended or a job acked meanwhile is left alone.
 */
export async function expireLeases(db: Db, now: number, nowIso: string, limit: number): Promise<JobRow[]> {
  const exhausted = sql<boolean>`(attempts >= max_attempts)`;
  const expiredError = 'The lease of the previous attempt expired before an ack or fail.';
  return db
    .with(
      (cte) => cte('expired').materialized(),
      () =>
        db
          .selectFrom('queue_jobs')
          .select('id')
          .where(RUNNING)
          .where('available_at', '<=', now)
          .orderBy('available_at')
          .orderBy('id')
          .limit(limit),
    )
    .updateTable('queue_jobs')
    .set({
      status: sql`CASE WHEN ${exhausted} THEN 'dead' ELSE 'failed' END`,
      lease_id: null,
      error: expiredError,
      finished_at: sql`CASE WHEN ${exhausted} THEN ${nowIso} ELSE NULL END`,
      updated_at: nowIso,
    })
    .where('id', 'in', (eb) => eb.selectFrom('expired').select('expired.id'))
    .where(RUNNING)
    .where('available_at', '<=', now)
    .returningAll()
    .execute();
}

/** The statuses a job ends in; retention removes them by age (decision 0047). */
export type FinalStatus = Extract<JobStatus, 'succeeded' | 'cancelled' | 'dead'>;

/**
 * Deletes up to `limit` jobs, in every project, that ended in `status` before `before` (ISO),
 * read along the index of finished jobs (oldest first, without a sort); resolves how many. On PostgreSQL rows another statement holds are skipped (a
 * redrive of a dead job wins), and the conditions are checked again on each row deleted.
 */
export async function removeFinished(
  db: Db,
  dialect: Dialect,
  status: FinalStatus,
  before: string,
  limit: number,
): Promise<number> {
  let old = db
    .selectFrom('queue_jobs')
    .select('id')
    .where(FINISHED)
    .where('status', '=', status)
    .where('finished_at', '<', before)
    .limit(limit);
  if (dialect === 'postgres') old = old.forUpdate().skipLocked();
  const result = await db
    .with(
      (cte) => cte('old').materialized(),
      () => old,
    )
    .deleteFrom('queue_jobs')
    .where('id', 'in', (eb) => eb.selectFrom('old').select('old.id'))
    .where('status', '=', status)
    .where('finished_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The job's fields a transition sets. */
export type Change = Partial<Omit<JobRow, 'id' | 'project_id' | 'created_at'>>;

/**
 * Applies `change` to the job only while it is still under the live lease `leaseId` (running,
 * that lease, not expired at `now`); undefined when it is not.
 */
export function updateUnderLease(
  db: Db,
  projectId: string,
  id: string,
  leaseId: string,
  now: number,
  change: Change,
): Promise<JobRow | undefined> {
  return db
    .updateTable('queue_jobs')
    .set(change)
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where(RUNNING)
    .where('lease_id', '=', leaseId)
    .where('available_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Applies `change` to the job only while its status is one of `from`; undefined otherwise. */
export function updateFrom(
  db: Db,
  projectId: string,
  id: string,
  from: JobStatus[],
  change: Change,
): Promise<JobRow | undefined> {
  return db
    .updateTable('queue_jobs')
    .set(change)
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}
