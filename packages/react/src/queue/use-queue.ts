import type { AerostackError, EnqueueOptions, Job, JsonValue } from '@aerostack/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useAerostackContext } from '../context.js';
import { queueKeys } from './keys.js';

/**
 * What {@link useQueue} returns: the producer's calls, each storing the job it answers in the
 * query cache (so a `useJob` of it shows it at once) and invalidating job lists.
 *
 * @example
 * ```tsx
 * const { enqueue, isEnqueueing } = useQueue();
 * ```
 */
export interface UseQueueResult {
  /** Enqueues a job; resolves the job (or the one holding its `idempotencyKey`). */
  enqueue: <P = JsonValue>(type: string, payload?: P, options?: EnqueueOptions) => Promise<Job<P>>;
  /** Cancels a job. */
  cancel: (id: string) => Promise<Job>;
  /** Queues a dead job again. */
  redrive: (id: string) => Promise<Job>;
  /** An `enqueue` is running. */
  isEnqueueing: boolean;
  /** The error of the latest call, if it failed; `null` once a later one succeeds. */
  error: AerostackError | null;
}

/**
 * Enqueue, cancel and redrive jobs with the provider's client (the queue's producer calls need a
 * secret key: use it in server-rendered or internal apps; browsers of end users ask their backend).
 *
 * @example
 * ```tsx
 * function ExportButton() {
 *   const { enqueue, isEnqueueing } = useQueue();
 *   const [jobId, setJobId] = useState<string>();
 *   const { status } = useJob(jobId ?? '', { enabled: jobId !== undefined });
 *   return (
 *     <button disabled={isEnqueueing} onClick={async () => setJobId((await enqueue('export', { month: 11 })).id)}>
 *       Export {status}
 *     </button>
 *   );
 * }
 * ```
 */
export function useQueue(): UseQueueResult {
  const client = useAerostackContext('useQueue()');
  const queryClient = useQueryClient();
  const stored = async (job: Job) => {
    queryClient.setQueryData(queueKeys.job(client, job.id), job);
    await queryClient.invalidateQueries({ queryKey: queueKeys.lists(client) });
  };
  const enqueueing = useMutation<
    Job,
    AerostackError,
    { type: string; payload: unknown; options?: EnqueueOptions }
  >({
    mutationFn: (v) => client.queue.enqueue(v.type, v.payload as JsonValue, v.options),
    onSuccess: stored,
  });
  const changing = useMutation<Job, AerostackError, { id: string; action: 'cancel' | 'redrive' }>({
    mutationFn: (v) => (v.action === 'cancel' ? client.queue.cancel(v.id) : client.queue.redrive(v.id)),
    onSuccess: stored,
  });
  const runEnqueue = enqueueing.mutateAsync;
  const runChange = changing.mutateAsync;
  const enqueue = useCallback(
    <P>(type: string, payload?: P, options?: EnqueueOptions) =>
      runEnqueue({ type, payload, ...(options ? { options } : {}) }) as Promise<Job<P>>,
    [runEnqueue],
  );
  const cancel = useCallback((id: string) => runChange({ id, action: 'cancel' }), [runChange]);
  const redrive = useCallback((id: string) => runChange({ id, action: 'redrive' }), [runChange]);
  const latest = changing.submittedAt > enqueueing.submittedAt ? changing : enqueueing;
  return { enqueue, cancel, redrive, isEnqueueing: enqueueing.isPending, error: latest.error };
}
