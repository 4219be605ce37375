import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import type { components } from '../generated/openapi';
import type { RealtimeApi } from '../realtime/realtime';
import type { Http } from '../transport/http-types';
import type { JsonValue } from '../types/json';
import type { Job, JobLease, JobStatus, LeasedJob, Page } from '../types/models';

type Schemas = components['schemas'];

/** Statuses a job never leaves by itself (a dead job leaves only by `redrive`). */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'dead', 'cancelled'];

/**
 * Options of `queue.enqueue`.
 *
 * @example
 * await client.queue.enqueue('email.send', { to }, { delaySeconds: 60, maxAttempts: 3, idempotencyKey: `welcome-${userId}` });
 */
export interface EnqueueOptions extends RequestOptions {
  /** Seconds before the job becomes available; default 0. */
  delaySeconds?: number | undefined;
  /** Attempts before the job goes to the dead letter; default 5. */
  maxAttempts?: number | undefined;
  /** The first retry's delay in seconds (each next one doubles, at most an hour); default 10. */
  backoffSeconds?: number | undefined;
  /** The project never holds two jobs with this key: a repeat answers the first job. */
  idempotencyKey?: string | undefined;
  /** The end user (`usr_…`) the job is for: their session may read and watch it. */
  userId?: string | undefined;
}

/**
 * Options of `queue.list`.
 *
 * @example
 * const dead = await client.queue.list({ type: 'email.send', status: 'dead', limit: 100 });
 */
export interface JobListOptions extends RequestOptions {
  type?: string | undefined;
  status?: JobStatus | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * Options of `queue.pull`.
 *
 * @example
 * const leased = await client.queue.pull({ types: ['email.send'], limit: 10, leaseSeconds: 60 });
 */
export interface PullOptions extends RequestOptions {
  /** Only jobs of these types; every type when omitted. */
  types?: readonly string[] | undefined;
  /** How many jobs to lease at most (1–100); default 1. */
  limit?: number | undefined;
  /** How long each lease lasts unless extended (1–3600); default 30. */
  leaseSeconds?: number | undefined;
}

/**
 * Options of `queue.watch`.
 *
 * @example
 * for await (const job of client.queue.watch(id, { signal })) render(job);
 */
export interface WatchJobOptions {
  /** Aborting ends the iteration. */
  signal?: AbortSignal | undefined;
}

/**
 * The project's job queue. Producers enqueue; consumers pull with a lease, heartbeat to keep it,
 * and ack or fail. Delivery is at least once: a job whose lease expires goes to another consumer,
 * and the first one's late ack is rejected with `queue/lease-lost`. Secret key, except `get` and
 * `watch`, which a signed-in end user may call for the jobs enqueued for them.
 *
 * @example
 * const job = await client.queue.enqueue('thumbnail', { src: 'a.png' });
 * const [leased] = await client.queue.pull({ types: ['thumbnail'] });
 * if (leased) await client.queue.ack(leased.job.id, leased.leaseId, { width: 320 });
 */
export interface QueueApi {
  /**
   * Enqueues a job of `type` with `payload`; resolves the new job (or, for an `idempotencyKey`
   * already used, the job that holds it).
   *
   * @example
   * const job = await client.queue.enqueue('email.send', { to: 'ada@example.com' }, { maxAttempts: 3 });
   */
  enqueue<P = JsonValue>(type: string, payload?: P, options?: EnqueueOptions): Promise<Job<P>>;
  /**
   * One job.
   *
   * @example
   * const { status, result } = await client.queue.get('job_7Hq2vW9xK3mN5pR8sT1u');
   */
  get<P = JsonValue, R = JsonValue>(id: string, options?: RequestOptions): Promise<Job<P, R>>;
  /**
   * A page of jobs, oldest first, by type and status (`status: 'dead'` lists the dead letter).
   *
   * @example
   * for await (const job of paginate((cursor) => client.queue.list({ status: 'dead', cursor }))) console.log(job.error);
   */
  list(options?: JobListOptions): Promise<Page<Job>>;
  /**
   * Cancels a queued, retrying, running or dead job; a running one's lease ends with it.
   *
   * @example
   * await client.queue.cancel(job.id);
   */
  cancel(id: string, options?: RequestOptions): Promise<Job>;
  /**
   * Queues a dead job again with a fresh set of attempts.
   *
   * @example
   * await client.queue.redrive(job.id);
   */
  redrive(id: string, options?: RequestOptions): Promise<Job>;
  /**
   * Leases available jobs (possibly none).
   *
   * @example
   * const leased = await client.queue.pull({ types: ['email.send'], limit: 5 });
   */
  pull(options?: PullOptions): Promise<LeasedJob[]>;
  /**
   * Extends a live lease; rejects with `queue/lease-lost` when it has expired or moved on.
   *
   * @example
   * await client.queue.heartbeat(leased.job.id, leased.leaseId, { leaseSeconds: 60 });
   */
  heartbeat(
    id: string,
    leaseId: string,
    options?: RequestOptions & { leaseSeconds?: number | undefined },
  ): Promise<JobLease>;
  /**
   * Completes the job with `result`; only its live lease may (else `queue/lease-lost`).
   *
   * @example
   * await client.queue.ack(leased.job.id, leased.leaseId, { sent: true });
   */
  ack<R = JsonValue>(
    id: string,
    leaseId: string,
    result?: R,
    options?: RequestOptions,
  ): Promise<Job<JsonValue, R>>;
  /**
   * Reports a failed attempt: retried after a backoff while attempts remain (unless `retry` is
   * false), else the job is dead.
   *
   * @example
   * await client.queue.fail(leased.job.id, leased.leaseId, 'SMTP timeout');
   */
  fail(
    id: string,
    leaseId: string,
    error: string,
    options?: RequestOptions & { retry?: boolean | undefined },
  ): Promise<Job>;
  /**
   * The job's states as they change, over the realtime stream: its current state first, then
   * each change, ending after a final one (`succeeded`, `dead`, `cancelled`). A dropped stream
   * reconnects and starts again from a fresh read, so no final state is missed. An end user needs
   * a channel rule for `queue/users/{userId}/**` (subscribe: owner).
   *
   * @example
   * for await (const job of client.queue.watch(id)) console.log(job.status);
   */
  watch<P = JsonValue, R = JsonValue>(id: string, options?: WatchJobOptions): AsyncIterable<Job<P, R>>;
}

export function createQueueApi(http: Http, realtime: RealtimeApi): QueueApi {
  const job = (id: string) => ({ params: { path: { jobId: id } } });
  const api: QueueApi = {
    async enqueue(type, payload, options = {}) {
      const { delaySeconds, maxAttempts, backoffSeconds, idempotencyKey, userId } = options;
      const body = {
        type,
        payload: (payload ?? null) as Schemas['JsonValue'],
        delaySeconds,
        maxAttempts,
        backoffSeconds,
        idempotencyKey,
        userId,
      };
      const created = await http.POST('/v1/queue/jobs', { body, ...pickRequestOptions(options) });
      return created as Job<never>;
    },
    async get(id, options) {
      return (await http.GET('/v1/queue/jobs/{jobId}', {
        ...job(id),
        ...pickRequestOptions(options),
      })) as Job<never, never>;
    },
    async list(options = {}) {
      const { type, status, limit, cursor } = options;
      const page = await http.GET('/v1/queue/jobs', {
        params: { query: { type, status, limit, cursor } },
        ...pickRequestOptions(options),
      });
      return page as Page<Job>;
    },
    async cancel(id, options) {
      return (await http.POST('/v1/queue/jobs/{jobId}/cancel', {
        ...job(id),
        ...pickRequestOptions(options),
      })) as Job;
    },
    async redrive(id, options) {
      return (await http.POST('/v1/queue/jobs/{jobId}/redrive', {
        ...job(id),
        ...pickRequestOptions(options),
      })) as Job;
    },
    async pull(options = {}) {
      const { types, limit, leaseSeconds } = options;
      const body = { types: types ? [...types] : undefined, limit, leaseSeconds };
      const { data } = await http.POST('/v1/queue/pull', { body, ...pickRequestOptions(options) });
      return data as LeasedJob[];
    },
    heartbeat(id, leaseId, options = {}) {
      return http.POST('/v1/queue/jobs/{jobId}/heartbeat', {
        ...job(id),
        body: { leaseId, leaseSeconds: options.leaseSeconds },
        ...pickRequestOptions(options),
      });
    },
    async ack(id, leaseId, result, options) {
      const body = { leaseId, result: (result ?? null) as Schemas['JsonValue'] };
      return (await http.POST('/v1/queue/jobs/{jobId}/ack', {
        ...job(id),
        body,
        ...pickRequestOptions(options),
      })) as Job<never, never>;
    },
    async fail(id, leaseId, error, options = {}) {
      return (await http.POST('/v1/queue/jobs/{jobId}/fail', {
        ...job(id),
        body: { leaseId, error, retry: options.retry },
        ...pickRequestOptions(options),
      })) as Job;
    },
    watch(id, options = {}) {
      return watchJob(api, realtime, id, options) as AsyncIterable<never>;
    },
  };
  return api;
}

/**
 * Follows a job: read it, subscribe to its channel, and on every `subscribed` (the first and
 * each reconnection's) read it again, since changes may have happened while no stream listened.
 * States are yielded in `updatedAt` order; an older or equal one is skipped.
 */
async function* watchJob(
  api: QueueApi,
  realtime: RealtimeApi,
  id: string,
  { signal }: WatchJobOptions,
): AsyncGenerator<Job> {
  let last = await api.get(id, { signal });
  yield last;
  if (FINAL_JOB_STATUSES.includes(last.status)) return;
  const stream = realtime.subscribe<Job>(last.channel, { signal });
  const newer = (job: Job) =>
    job.updatedAt > last.updatedAt || (job.updatedAt === last.updatedAt && job.status !== last.status);
  try {
    for await (const event of stream) {
      let next: Job | null = null;
      if (event.event === 'subscribed') next = await api.get(id, { signal });
      // A change carries the job without its payload, which never changes.
      else if (event.event === 'message' && event.data.event === 'job')
        next = { ...last, ...event.data.data };
      if (!next || !newer(next)) continue;
      last = next;
      yield next;
      if (FINAL_JOB_STATUSES.includes(next.status)) return;
    }
  } finally {
    stream.close();
  }
}
