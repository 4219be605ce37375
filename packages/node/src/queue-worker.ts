import {
  type AerostackClient,
  isAerostackError,
  type Job,
  type JsonValue,
  type LeasedJob,
} from '@aerostack/core';

/**
 * Thrown by a handler to send its job to the dead letter at once, whatever its attempts left.
 *
 * @example
 * if (!payload.to) throw new FatalJobError('no recipient');
 */
export class FatalJobError extends Error {
  override name = 'FatalJobError';
}

/**
 * What a handler receives besides the job.
 *
 * @example
 * const handler: JobHandler = async (job, { signal }) => fetch(job.payload.url, { signal });
 */
export interface JobContext {
  /**
   * Aborted when the job is no longer this worker's: its lease was lost (expired, cancelled, or
   * another consumer took it) or the worker released it on `stop()`. Stop working when it fires;
   * whatever the handler returns then is not acked.
   */
  signal: AbortSignal;
  /** The lease this attempt holds. */
  leaseId: string;
}

/**
 * Runs one job; its return value is the job's result (acked), a thrown error fails the attempt.
 *
 * @example
 * const handler: JobHandler<{ to: string }> = async (job) => ({ sent: await send(job.payload.to) });
 */
export type JobHandler<P = JsonValue> = (job: Job<P>, context: JobContext) => Promise<unknown> | unknown;

/**
 * Options of `createWorker`.
 *
 * @example
 * createWorker({ client, types: ['email.send'], concurrency: 4, leaseSeconds: 60, handler });
 */
export interface WorkerOptions<P = JsonValue> {
  /** A client with the project's secret key. */
  client: AerostackClient;
  /** The job types this worker takes; every type when omitted. */
  types?: readonly string[] | undefined;
  /** Jobs run at once; default 1. */
  concurrency?: number | undefined;
  /** Each lease's length; the worker heartbeats every third of it. Default 30. */
  leaseSeconds?: number | undefined;
  /** How long to wait before pulling again when nothing was available; default 1000. */
  pollIntervalMs?: number | undefined;
  handler: JobHandler<P>;
  /** Pull, heartbeat, ack and fail errors (the worker carries on); default: ignored. */
  onError?: ((error: unknown, job?: Job) => void) | undefined;
}

/**
 * Options of `worker.stop`.
 *
 * @example
 * await worker.stop({ graceMs: 10_000 });
 */
export interface StopOptions {
  /**
   * How long in-flight jobs may take to finish (and be acked or failed); default 30 000. Jobs
   * still running then are released: their handlers' signals abort and their leases are cut to a
   * second, so another consumer takes them at once.
   */
  graceMs?: number | undefined;
}

/**
 * A running queue consumer.
 *
 * @example
 * process.on('SIGTERM', () => worker.stop().then(() => process.exit(0)));
 */
export interface Worker {
  /** Jobs running now. */
  readonly active: number;
  /** Stops pulling, waits for in-flight jobs up to the grace period, releases the rest. */
  stop(options?: StopOptions): Promise<void>;
}

const RELEASE_LEASE_SECONDS = 1;

/**
 * Starts a worker that pulls jobs with a lease, runs up to `concurrency` of them through
 * `handler`, heartbeats each lease, acks the handler's result or fails its error (retried with
 * backoff by the platform, or dead at once for a `FatalJobError`). Delivery is at least once: a
 * job whose worker dies is run again when its lease expires, so handlers must tolerate a repeat.
 *
 * @example
 * import { createClient, createWorker } from '@aerostack/node';
 *
 * const worker = createWorker({
 *   client: createClient(),
 *   types: ['email.send'],
 *   concurrency: 4,
 *   handler: async (job) => ({ id: await mailer.send(job.payload) }),
 * });
 * process.on('SIGTERM', () => void worker.stop());
 */
export function createWorker<P = JsonValue>(options: WorkerOptions<P>): Worker {
  const { client, types, handler } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const leaseSeconds = options.leaseSeconds ?? 30;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const onError = options.onError ?? (() => {});

  const stopping = new AbortController();
  /** In-flight jobs: each one's controller (to release it) and its settling. */
  const inFlight = new Map<string, { leaseId: string; release: AbortController; done: Promise<void> }>();
  let wake: (() => void) | null = null;
  const nudge = () => {
    wake?.();
    wake = null;
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function run(leased: LeasedJob<P>): Promise<void> {
    const { job, leaseId } = leased;
    const lost = new AbortController();
    const release = new AbortController();
    const signal = AbortSignal.any([lost.signal, release.signal]);
    const beat = setInterval(
      () => {
        client.queue.heartbeat(job.id, leaseId, { leaseSeconds }).catch((error: unknown) => {
          if (isAerostackError(error) && error.code === 'queue/lease-lost') lost.abort(error);
          else onError(error, job as Job);
        });
      },
      (leaseSeconds * 1000) / 3,
    );
    const entry = { leaseId, release, done: Promise.resolve() };
    inFlight.set(job.id, entry);
    try {
      let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: await handler(job, { signal, leaseId }) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      clearInterval(beat);
      if (signal.aborted) return; // lost or released: the job is someone else's now
      if (outcome.ok) {
        await client.queue.ack(job.id, leaseId, (outcome.result ?? null) as JsonValue);
      } else {
        const message =
          outcome.error instanceof Error
            ? outcome.error.message || outcome.error.name
            : String(outcome.error);
        await client.queue.fail(job.id, leaseId, message.slice(0, 4096) || 'failed', {
          retry: !(outcome.error instanceof FatalJobError),
        });
      }
    } catch (error) {
      onError(error, job as Job);
    } finally {
      clearInterval(beat);
      inFlight.delete(job.id);
      nudge();
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const free = concurrency - inFlight.size;
      if (free <= 0) {
        await pause(pollIntervalMs);
        continue;
      }
      let leased: LeasedJob[] = [];
      try {
        leased = await client.queue.pull({ types, limit: free, leaseSeconds, signal: stopping.signal });
      } catch (error) {
        if (!stopping.signal.aborted) onError(error);
      }
      if (stopping.signal.aborted) {
        // A pull answered as we stopped: hand its jobs back.
        for (const l of leased) await releaseLease(l.job.id, l.leaseId);
        break;
      }
      for (const l of leased) {
        const done = run(l as LeasedJob<P>);
        const entry = inFlight.get(l.job.id);
        if (entry) entry.done = done;
      }
      if (leased.length === 0) await pause(pollIntervalMs);
    }
  })();

  async function releaseLease(id: string, leaseId: string) {
    await client.queue
      .heartbeat(id, leaseId, { leaseSeconds: RELEASE_LEASE_SECONDS })
      .catch((error: unknown) => {
        if (!(isAerostackError(error) && error.code === 'queue/lease-lost')) onError(error);
      });
  }

  return {
    get active() {
      return inFlight.size;
    },
    async stop({ graceMs = 30_000 } = {}) {
      stopping.abort();
      nudge();
      await loop;
      const all = () => Promise.all([...inFlight.values()].map((e) => e.done));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const finished = await Promise.race([all().then(() => 'done' as const), graceOver]);
      clearTimeout(timer);
      if (finished === 'done') return;
      // Release what is still running: cut each lease to a second, then abort its handler.
      await Promise.all(
        [...inFlight.entries()].map(async ([id, entry]) => {
          await releaseLease(id, entry.leaseId);
          entry.release.abort();
        }),
      );
    },
  };
}
