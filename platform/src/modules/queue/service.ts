import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import type { JsonValue } from '../../services/bus/index.js';
import type { Services } from '../../services.js';
import { createAnnouncer } from './announcer.js';
import { canonicalJson } from './canonical.js';
import * as store from './store.js';

type Schemas = components['schemas'];
export type Job = Schemas['Job'];

/** The prefix of job ids, e.g. `job_7Hq2vW9xK3mN5pR8sT1u`. */
const ID_PREFIX = 'job';
/** The prefix of lease tokens; a new one for every pull. */
const LEASE_PREFIX = 'lse';
/** The longest a retry waits, however many attempts failed. */
const MAX_BACKOFF_SECONDS = 3600;
/** How often one process ends expired leases, so a dead consumer's job shows as such. */
const SWEEP_MS = 15_000;
/** Jobs one sweep statement handles; a sweep repeats until fewer come back. */
const SWEEP_BATCH = 500;
/** Retention statements per final status in one sweep: a backlog is worked off over several. */
const MAX_REMOVE_BATCHES = 20;
/** The realtime event that carries a job's new state. */
export const JOB_EVENT = 'job';

const iso = (ms: number) => new Date(ms).toISOString();

/** The realtime channel of a job: under its end user's segment when it has one (decision 0039). */
export function channelOf(row: Pick<store.JobRow, 'id' | 'user_id'>): string {
  return row.user_id === null ? `queue/jobs/${row.id}` : `queue/users/${row.user_id}/jobs/${row.id}`;
}

export function toJob(row: store.JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload) as JsonValue,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    backoffSeconds: row.backoff_seconds,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonValue),
    error: row.error,
    idempotencyKey: row.idempotency_key,
    userId: row.user_id,
    channel: channelOf(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    availableAt: iso(Number(row.available_at)),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    leaseExpiresAt: row.status === 'running' ? iso(Number(row.available_at)) : null,
  };
}

/** The delay before the retry that follows failed attempt number `attempts` (1-based). */
export function backoffMs(backoffSeconds: number, attempts: number): number {
  const seconds = backoffSeconds * 2 ** Math.max(0, attempts - 1);
  return Math.min(seconds, MAX_BACKOFF_SECONDS) * 1000;
}

export interface Clock {
  /** Epoch milliseconds. Tests replace it to expire leases and reach retries without waiting. */
  now(): number;
}

/**
 * The project's job queue (decision 0039). Every job change is published on the job's realtime
 * channel after it is stored, so `useJob` follows it live: in order, batched with other changes
 * and without holding up the answer (decision 0047); a failed announcement is logged and never
 * undoes the change (the client refetches the job when its stream (re)subscribes).
 */
export function createQueueService(services: Services) {
  const db = tables<store.QueueTables>(services.database);
  const { dialect } = services.database;
  const clock: Clock = { now: Date.now };
  const { keepSucceededSeconds, keepCancelledSeconds, keepDeadSeconds } = services.config.queue;
  const retention: Array<[store.FinalStatus, number]> = [
    ['succeeded', keepSucceededSeconds],
    ['cancelled', keepCancelledSeconds],
    ['dead', keepDeadSeconds],
  ];

  const announcer = createAnnouncer(
    (projectId, messages) => services.realtime.publishMany(projectId, messages),
    (error, projectId) =>
      services.logger.error('queue: announcing job changes failed', { projectId, error: String(error) }),
  );

  /** The job as the API shows it, its change queued for its realtime channel. */
  async function announce(projectId: string, row: store.JobRow): Promise<Job> {
    const job = toJob(row);
    // Without the payload, which never changes and may be large: watchers read it once.
    const { payload: _, ...change } = job;
    await announcer.add(projectId, job.channel, JOB_EVENT, change as unknown as JsonValue);
    return job;
  }

  /** The job, or 404; when `userId` is given, only a job enqueued for that end user. */
  async function load(projectId: string, id: string, userId: string | null = null): Promise<store.JobRow> {
    const row = await store.findJob(db, projectId, id);
    if (!row || (userId !== null && row.user_id !== userId)) {
      throw new ApiError('queue/not-found', `No job ${id} in this project.`);
    }
    return row;
  }

  /** Why a lease-bound change found nothing to change: 404 for an unknown job, else 409. */
  async function leaseLost(projectId: string, id: string): Promise<never> {
    const row = await load(projectId, id);
    throw new ApiError(
      'queue/lease-lost',
      row.status === 'running'
        ? 'This lease has expired or is no longer the job’s: another consumer may hold it. Stop working on the job.'
        : `The job is ${row.status}; this lease no longer holds it.`,
    );
  }

  /** Ends expired leases (see store.expireLeases) in batches of `batch`; how many it changed. */
  async function expire(batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const now = clock.now();
      const rows = await store.expireLeases(db, now, iso(now), batch);
      for (const row of rows) await announce(row.project_id, row);
      total += rows.length;
      if (rows.length < batch) return total;
    }
  }

  /**
   * Removes the finished jobs older than their status's retention, `batch` rows per statement
   * (each a short write) and at most `MAX_REMOVE_BATCHES` per status per sweep, yielding to
   * requests in between; a larger backlog goes at the next sweeps. How many it removed.
   */
  async function removeExpired(batch: number): Promise<number> {
    let total = 0;
    for (const [status, seconds] of retention) {
      if (seconds === 0) continue; // kept for ever
      for (let round = 0; round < MAX_REMOVE_BATCHES; round++) {
        const removed = await store.removeFinished(
          db,
          dialect,
          status,
          iso(clock.now() - seconds * 1000),
          batch,
        );
        total += removed;
        if (removed < batch) break;
        await yieldToRequests();
      }
    }
    return total;
  }

  /**
   * One sweep, now (a timer runs it every 15 s in one process): ends expired leases — the jobs
   * become `failed` (retry now) or `dead`, and are announced; pulls also take over expired jobs
   * themselves — and removes finished jobs past their retention (decision 0047).
   */
  async function sweep(options: { batch?: number } = {}): Promise<{ expired: number; removed: number }> {
    const batch = options.batch ?? SWEEP_BATCH;
    const expired = await expire(batch);
    return { expired, removed: await removeExpired(batch) };
  }
  // In multi-process mode one worker sweeps; the others would only repeat its work.
  const sweeper =
    services.workerId === null || services.workerId === 1
      ? setInterval(() => {
          sweep().catch((error) =>
            services.logger.error('queue: sweeping expired leases and old jobs failed', {
              error: String(error),
            }),
          );
        }, SWEEP_MS)
      : undefined;
  sweeper?.unref();

  return {
    clock,
    sweep,
    /** Stops the sweep and writes the job changes still waiting to be announced. */
    async close() {
      clearInterval(sweeper);
      await announcer.flush();
    },

    /** Stores a job; with an idempotency key, answers the existing job instead (created false). */
    async enqueue(projectId: string, input: Schemas['JobEnqueue']): Promise<{ job: Job; created: boolean }> {
      const now = clock.now();
      const payload = JSON.stringify(input.payload ?? null);
      const row: store.JobRow = {
        id: newId(ID_PREFIX),
        project_id: projectId,
        type: input.type,
        payload,
        status: 'queued',
        attempts: 0,
        max_attempts: input.maxAttempts ?? 5,
        backoff_seconds: input.backoffSeconds ?? 10,
        result: null,
        error: null,
        idempotency_key: input.idempotencyKey ?? null,
        user_id: input.userId ?? null,
        lease_id: null,
        available_at: now + (input.delaySeconds ?? 0) * 1000,
        created_at: iso(now),
        updated_at: iso(now),
        started_at: null,
        finished_at: null,
      };
      if (await store.insertJob(db, row)) return { job: await announce(projectId, row), created: true };
      const existing = await store.findByIdempotencyKey(db, projectId, input.idempotencyKey!);
      if (!existing) throw new Error('queue: an idempotency conflict without a job holding the key');
      if (
        existing.type !== row.type ||
        canonicalJson(JSON.parse(existing.payload)) !== canonicalJson(input.payload ?? null)
      ) {
        throw new ApiError(
          'queue/idempotency-conflict',
          `The job ${existing.id} holds this idempotencyKey with another type or payload.`,
        );
      }
      return { job: toJob(existing), created: false };
    },

    async get(projectId: string, id: string, userId: string | null = null): Promise<Job> {
      return toJob(await load(projectId, id, userId));
    },

    list: (
      projectId: string,
      filter: { type?: string | undefined; status?: store.JobStatus | undefined },
      position: Position | null,
      limit: number,
    ) => store.listJobs(db, projectId, filter, position, limit),

    async cancel(projectId: string, id: string): Promise<Job> {
      const now = iso(clock.now());
      const row = await store.updateFrom(db, projectId, id, ['queued', 'failed', 'running', 'dead'], {
        status: 'cancelled',
        lease_id: null,
        finished_at: now,
        updated_at: now,
      });
      if (row) return announce(projectId, row);
      const current = await load(projectId, id);
      if (current.status === 'cancelled') return toJob(current);
      throw new ApiError(
        'queue/invalid-state',
        `The job is ${current.status}; it can no longer be cancelled.`,
      );
    },

    async redrive(projectId: string, id: string): Promise<Job> {
      const at = clock.now();
      const row = await store.updateFrom(db, projectId, id, ['dead'], {
        status: 'queued',
        attempts: 0,
        lease_id: null,
        available_at: at,
        finished_at: null,
        updated_at: iso(at),
      });
      if (row) return announce(projectId, row);
      const current = await load(projectId, id);
      throw new ApiError(
        'queue/invalid-state',
        `The job is ${current.status}; only a dead job can be redriven.`,
      );
    },

    /** Leases up to `limit` jobs (see store.pullJobs); jobs it sent to the dead letter are announced only. */
    async pull(
      projectId: string,
      input: { types?: string[] | undefined; limit?: number | undefined; leaseSeconds?: number | undefined },
    ): Promise<Schemas['LeasedJob'][]> {
      const now = clock.now();
      const leaseId = newId(LEASE_PREFIX);
      const leaseExpiresAt = now + (input.leaseSeconds ?? 30) * 1000;
      const rows = await store.pullJobs(db, dialect, {
        projectId,
        types: input.types ? [...new Set(input.types)] : null,
        limit: input.limit ?? 1,
        now,
        leaseId,
        leaseExpiresAt,
        nowIso: iso(now),
      });
      // RETURNING follows no order: hand the jobs over oldest first.
      rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || (a.id < b.id ? -1 : 1));
      const leased: Schemas['LeasedJob'][] = [];
      for (const row of rows) {
        const job = await announce(projectId, row);
        if (row.status === 'running') {
          leased.push({ leaseId, leaseExpiresAt: iso(leaseExpiresAt), job });
        }
      }
      return leased;
    },

    async heartbeat(
      projectId: string,
      id: string,
      leaseId: string,
      leaseSeconds: number,
    ): Promise<Schemas['JobLease']> {
      const now = clock.now();
      const expiresAt = now + leaseSeconds * 1000;
      const row = await store.updateUnderLease(db, projectId, id, leaseId, now, {
        available_at: expiresAt,
        updated_at: iso(now),
      });
      if (!row) return leaseLost(projectId, id);
      return { leaseId, leaseExpiresAt: iso(expiresAt) };
    },

    async ack(projectId: string, id: string, leaseId: string, result: JsonValue): Promise<Job> {
      const now = clock.now();
      const row = await store.updateUnderLease(db, projectId, id, leaseId, now, {
        status: 'succeeded',
        result: JSON.stringify(result),
        lease_id: null,
        available_at: now,
        finished_at: iso(now),
        updated_at: iso(now),
      });
      if (!row) return leaseLost(projectId, id);
      return announce(projectId, row);
    },

    /**
     * Fails a leased job: with `retry` (and attempts left) it comes back after its backoff, or after
     * `retryDelayMs` when given (a hosted consumer's `retry_delay` or `retry({ delaySeconds })`).
     */
    async fail(
      projectId: string,
      id: string,
      leaseId: string,
      error: string,
      retry: boolean,
      retryDelayMs?: number,
    ): Promise<Job> {
      const now = clock.now();
      const current = await store.findJob(db, projectId, id);
      if (!current) throw new ApiError('queue/not-found', `No job ${id} in this project.`);
      const retries = retry && current.attempts < current.max_attempts;
      // Compare-and-set on the lease: a lease that expired or moved on between the read and this
      // write changes nothing.
      const row = await store.updateUnderLease(db, projectId, id, leaseId, now, {
        status: retries ? 'failed' : 'dead',
        error,
        lease_id: null,
        available_at: retries
          ? now + (retryDelayMs ?? backoffMs(current.backoff_seconds, current.attempts))
          : now,
        finished_at: retries ? null : iso(now),
        updated_at: iso(now),
      });
      if (!row) return leaseLost(projectId, id);
      return announce(projectId, row);
    },
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
