import type { AerostackClient, VectorFilter } from '@aerostack/core';
import { aerostackKeys } from '../keys.js';

/** What a vector search is keyed by: everything that changes its answer. */
export interface VectorSearchKey {
  vector?: readonly number[] | undefined;
  text?: string | undefined;
  topK?: number | undefined;
  filter?: VectorFilter | undefined;
  includeValues?: boolean | undefined;
  includeMetadata?: boolean | undefined;
}

/**
 * Query keys of the vector hooks, for `invalidateQueries`, `setQueryData` or prefetching, scoped
 * by client (see {@link aerostackKeys}).
 *
 * @example
 * ```ts
 * await client.vector.upsert('docs', vectors);
 * await queryClient.invalidateQueries({ queryKey: vectorKeys.index(client, 'docs') }); // every search of 'docs'
 * ```
 */
export const vectorKeys = {
  /** Every vector query of `client`. */
  all: (client: Pick<AerostackClient, 'url'>) => [...aerostackKeys.all(client), 'vector'] as const,
  /** Every search of the index `index`. */
  index: (client: Pick<AerostackClient, 'url'>, index: string) =>
    [...vectorKeys.all(client), 'index', index] as const,
  /** One search of `index`. */
  search: (client: Pick<AerostackClient, 'url'>, index: string, search: VectorSearchKey) =>
    [
      ...vectorKeys.index(client, index),
      'search',
      {
        vector: search.vector ? [...search.vector] : undefined,
        text: search.text,
        topK: search.topK,
        filter: search.filter,
        includeValues: search.includeValues,
        includeMetadata: search.includeMetadata,
      },
    ] as const,
};
