import type { AerostackClient, AerostackError, Job, JsonValue } from '@aerostack/core';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useAerostackContext } from '../context.js';
import { queueKeys } from './keys.js';

/**
 * The TanStack Query options `useJob` reads a job with, to prefetch it on the server or in a
 * route loader.
 *
 * @example
 * ```ts
 * await queryClient.prefetchQuery(jobQueryOptions(client, jobId));
 * ```
 */
export function jobQueryOptions<P = JsonValue, R = JsonValue>(client: AerostackClient, id: string) {
  return queryOptions<Job<P, R>, AerostackError>({
    queryKey: queueKeys.job(client, id),
    queryFn: ({ signal }) => client.queue.get<P, R>(id, { signal }),
  });
}

/** Statuses a job never leaves by itself (core's FINAL_JOB_STATUSES: this package imports only types from core). */
const FINAL: readonly Job['status'][] = ['succeeded', 'dead', 'cancelled'];

/**
 * Options of {@link useJob}.
 *
 * @example
 * ```ts
 * useJob(id, { live: false }); // read once, no stream
 * ```
 */
export interface UseJobOptions {
  /** Set to `false` to not read the job (yet). Default `true`. */
  enabled?: boolean | undefined;
  /** Follow the job's changes over the realtime stream until it is final. Default `true`. */
  live?: boolean | undefined;
}

/**
 * What {@link useJob} returns.
 *
 * @example
 * ```tsx
 * const { job, status, done } = useJob<{ url: string }>(jobId);
 * ```
 */
export interface UseJobResult<P, R> {
  /** The job: `undefined` until the first read. */
  job: Job<P, R> | undefined;
  /** The job's status, or `undefined` before the first read. */
  status: Job['status'] | undefined;
  /** The job's result once it succeeded, else `null` (or `undefined` before the first read). */
  result: R | null | undefined;
  /** The job is final: succeeded, dead or cancelled. */
  done: boolean;
  /** The first read is running. */
  loading: boolean;
  /** Why the latest read (or the live stream) failed, or `null`. */
  error: AerostackError | null;
}

/**
 * A job's live status: reads the job, then follows its changes over the realtime stream (the
 * job's `channel`) until it is final, updating every component that shows it. Works with the
 * secret key, and in the browser for the signed-in end user the job was enqueued for (the
 * project's rules need `queue/users/{userId}/**` with `subscribe: 'owner'`).
 *
 * @example
 * ```tsx
 * function Export({ jobId }: { jobId: string }) {
 *   const { status, result, error } = useJob<unknown, { url: string }>(jobId);
 *   if (error) return <p>{error.code}</p>;
 *   if (status === 'succeeded') return <a href={result!.url}>Download</a>;
 *   return <p>{status ?? '…'}</p>;
 * }
 * ```
 */
export function useJob<P = JsonValue, R = JsonValue>(
  id: string,
  options: UseJobOptions = {},
): UseJobResult<P, R> {
  const client = useAerostackContext('useJob()');
  const queryClient = useQueryClient();
  const { enabled = true, live = true } = options;
  const query = useQuery({
    ...jobQueryOptions<P, R>(client, id),
    enabled,
    // The client retries transient failures itself.
    retry: queryClient.getDefaultOptions().queries?.retry ?? false,
  });
  const status = query.data?.status;
  const final = status !== undefined && FINAL.includes(status);
  const started = status !== undefined;

  useEffect(() => {
    if (!enabled || !live || !started || final) return;
    const stop = new AbortController();
    void (async () => {
      try {
        for await (const job of client.queue.watch<P, R>(id, { signal: stop.signal })) {
          if (stop.signal.aborted) break;
          queryClient.setQueryData(queueKeys.job(client, id), job);
        }
      } catch {
        // The stream gave up (e.g. the rules refuse the channel): read the job again, so the
        // hook shows its state now (and a read's error, if that fails too).
        if (!stop.signal.aborted) {
          await queryClient.invalidateQueries({ queryKey: queueKeys.job(client, id), exact: true });
        }
      }
    })();
    return () => stop.abort();
  }, [client, queryClient, id, enabled, live, started, final]);

  return {
    job: query.data,
    status,
    result: query.data?.result,
    done: final,
    loading: query.isLoading,
    error: query.error,
  };
}
