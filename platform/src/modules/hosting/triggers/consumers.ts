import type { components } from '@aerostack/spec/types';
import type { Services } from '../../../services.js';
import type { Binding } from '../layout/toml.js';
import type { HostedRuntime, QueueResult } from '../runtime/contract.js';
import type { TriggeredDeployment } from './store.js';

type LeasedJob = components['schemas']['LeasedJob'];

/** The runtime's queue dispatch (`HostedRuntime.queue`). */
export type RunQueue = HostedRuntime['queue'];

/** `[[queues.consumers]]` of one deployment, with wrangler's defaults. */
export interface Consumer {
  projectId: string;
  worker: string;
  queue: string;
  maxBatchSize: number;
  maxRetries: number;
  deadLetterQueue: string | null;
  /** `retry_delay`: seconds before a retried message comes back; null keeps the queue's backoff. */
  retryDelaySeconds: number | null;
}

/** wrangler's defaults and Cloudflare's bound on a batch. */
const DEFAULT_BATCH = 10;
const MAX_BATCH = 100;
const DEFAULT_RETRIES = 3;
/** Cloudflare's bound on a retry delay: 12 hours. */
const MAX_DELAY_SECONDS = 43_200;
/** Batches one consumer takes in one pass while its queue stays full, before others get a turn. */
const BATCHES_PER_PASS = 10;

const intOr = (value: unknown, fallback: number, max: number) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? Math.min(value, max) : fallback;

/** The consumers a deployment declares. */
export function consumersOf(deployment: TriggeredDeployment): Consumer[] {
  return (JSON.parse(deployment.bindings) as Binding[])
    .filter((b) => b.type === 'queues.consumers')
    .map((b) => ({
      projectId: deployment.project_id,
      worker: deployment.worker,
      queue: b.binding,
      maxBatchSize: Math.max(1, intOr(b.settings.max_batch_size, DEFAULT_BATCH, MAX_BATCH)),
      maxRetries: intOr(b.settings.max_retries, DEFAULT_RETRIES, 100),
      deadLetterQueue: typeof b.settings.dead_letter_queue === 'string' ? b.settings.dead_letter_queue : null,
      retryDelaySeconds:
        b.settings.retry_delay === undefined ? null : intOr(b.settings.retry_delay, 0, MAX_DELAY_SECONDS),
    }));
}

/**
 * When a retried message comes back, in seconds, as Cloudflare decides it: the message's own
 * `retry({ delaySeconds })`, else `retryAll({ delaySeconds })`, else the consumer's `retry_delay`;
 * null when none says (the queue's backoff then).
 */
export function retryDelayOf(result: QueueResult | null, id: string, consumer: Consumer): number | null {
  const own = result?.retryMessages.find((m) => m.msgId === id)?.delaySeconds;
  const delay = own ?? result?.retryBatch.delaySeconds ?? consumer.retryDelaySeconds;
  return delay === undefined || delay === null ? null : intOr(delay, 0, MAX_DELAY_SECONDS);
}

/** Which messages the handler acknowledged, following Cloudflare's rules (explicit calls win). */
export function acknowledged(result: QueueResult | null, id: string): boolean {
  if (result === null) return false;
  if (result.explicitAcks.includes(id)) return true;
  if (result.retryMessages.some((m) => m.msgId === id)) return false;
  if (result.ackAll) return true;
  if (result.retryBatch.retry) return false;
  // Neither acked nor retried: a handler that returned acknowledges its batch, one that threw does not.
  return result.outcome === 'ok';
}

/**
 * Queue consumers of hosted workers (decision 0052): the project's queue (`services.queue`) holds
 * the jobs, a job's `type` is the queue's name; a consumer leases up to `max_batch_size` of them,
 * hands them to the worker's `queue` handler, and acks or fails each as the handler decided. A
 * message retried more than `max_retries` times goes to the dead letter, and a copy to
 * `dead_letter_queue` when one is set. A batch cut by a crash comes back when its lease expires.
 */
export function createConsumers(services: Services, options: { run: RunQueue }) {
  const leaseSeconds = Math.min(3600, Math.ceil(services.config.hosting.runtime.wallMs / 1000) + 60);
  /** Consumers with a batch in flight on this node: one at a time each. */
  const busy = new Set<string>();

  async function settle(consumer: Consumer, leased: LeasedJob, result: QueueResult | null, error: string) {
    const { job, leaseId } = leased;
    if (acknowledged(result, job.id)) {
      await services.queue.ack(consumer.projectId, job.id, leaseId, null);
      return;
    }
    const exhausted = job.attempts > consumer.maxRetries;
    const delay = retryDelayOf(result, job.id, consumer);
    await services.queue.fail(
      consumer.projectId,
      job.id,
      leaseId,
      error,
      !exhausted,
      delay === null ? undefined : delay * 1000,
    );
    if (exhausted && consumer.deadLetterQueue) {
      await services.queue.enqueue(consumer.projectId, {
        type: consumer.deadLetterQueue,
        payload: job.payload,
        // One copy, whichever node retries it.
        idempotencyKey: `dlq:${job.id}`,
      });
    }
  }

  /** One batch: false when the queue had no job for it. */
  async function batch(consumer: Consumer): Promise<boolean> {
    const leased = await services.queue.pull(consumer.projectId, {
      types: [consumer.queue],
      limit: consumer.maxBatchSize,
      leaseSeconds,
    });
    if (leased.length === 0) return false;
    let result: QueueResult | null = null;
    let error = 'The consumer retried the message.';
    try {
      result = await options.run(consumer.projectId, consumer.worker, {
        queue: consumer.queue,
        messages: leased.map(({ job }) => ({
          id: job.id,
          timestamp: Date.parse(job.createdAt),
          body: job.payload,
          attempts: job.attempts,
        })),
      });
      if (result.outcome !== 'ok') error = `The consumer's queue handler ended with ${result.outcome}.`;
    } catch (failure) {
      error = `The consumer could not run: ${failure instanceof Error ? failure.message : String(failure)}`;
    }
    for (const job of leased) {
      await settle(consumer, job, result, error).catch((failure: unknown) =>
        services.logger.warn('hosting: settling a queue message failed', {
          projectId: consumer.projectId,
          jobId: job.job.id,
          error: String(failure),
        }),
      );
    }
    return leased.length === consumer.maxBatchSize;
  }

  return {
    /** Runs up to a few batches of `consumer` unless one is in flight here; resolves when done. */
    async poll(consumer: Consumer): Promise<void> {
      const id = `${consumer.projectId}\n${consumer.worker}\n${consumer.queue}`;
      if (busy.has(id)) return;
      busy.add(id);
      try {
        for (let i = 0; i < BATCHES_PER_PASS && (await batch(consumer)); i++);
      } finally {
        busy.delete(id);
      }
    },
  };
}
