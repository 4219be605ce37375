import type { AerostackClient, JobStatus } from '@aerostack/core';
import { aerostackKeys } from '../keys.js';

/**
 * Query keys of the queue hooks, for `invalidateQueries`, `setQueryData` or prefetching, scoped
 * by client (see {@link aerostackKeys}).
 *
 * @example
 * ```ts
 * queryClient.getQueryData(queueKeys.job(client, 'job_7Hq2vW9xK3mN5pR8sT1u')); // one job
 * await queryClient.invalidateQueries({ queryKey: queueKeys.lists(client) }); // every job list
 * ```
 */
export const queueKeys = {
  /** Every queue query of `client`. */
  all: (client: Pick<AerostackClient, 'url'>) => [...aerostackKeys.all(client), 'queue'] as const,
  /** The job `id`. */
  job: (client: Pick<AerostackClient, 'url'>, id: string) => [...queueKeys.all(client), 'job', id] as const,
  /** Every job list. */
  lists: (client: Pick<AerostackClient, 'url'>) => [...queueKeys.all(client), 'list'] as const,
  /** The first page of jobs of `filter`. */
  list: (
    client: Pick<AerostackClient, 'url'>,
    filter: { type?: string | undefined; status?: JobStatus | undefined; limit?: number | undefined },
  ) => [...queueKeys.lists(client), filter] as const,
};
