import type { AerostackClient, AerostackError, VectorMatch, VectorMetadata } from '@aerostack/core';
import { keepPreviousData, queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useAerostackContext } from '../context.js';
import { type VectorSearchKey, vectorKeys } from './keys.js';

/**
 * What to search: an index and a `vector` or a `text` (embedded by the platform's embedding
 * model), with `topK` and a metadata `filter`.
 *
 * @example
 * ```ts
 * const search: VectorSearch = { index: 'docs', text: 'reset password', topK: 5, filter: { lang: 'en' } };
 * ```
 */
export interface VectorSearch extends VectorSearchKey {
  index: string;
}

/**
 * The TanStack Query options `useVectorSearch` runs a search with, to prefetch it on the server
 * (then `dehydrate`) or in a route loader.
 *
 * @example
 * ```ts
 * await queryClient.prefetchQuery(vectorSearchQueryOptions(client, { index: 'docs', text: 'pricing' }));
 * ```
 */
export function vectorSearchQueryOptions<M extends VectorMetadata = VectorMetadata>(
  client: AerostackClient,
  search: VectorSearch,
) {
  const { index, ...rest } = search;
  return queryOptions<Array<VectorMatch<M>>, AerostackError>({
    queryKey: vectorKeys.search(client, index, rest),
    queryFn: ({ signal }) => client.vector.query<M>(index, { ...rest, signal }),
  });
}

/**
 * Options of {@link useVectorSearch}: the search, and how the hook runs it.
 *
 * @example
 * ```ts
 * useVectorSearch({ index: 'docs', text: query, topK: 5, staleTime: 60_000 });
 * ```
 */
export interface UseVectorSearchOptions extends VectorSearch {
  /** Set to `false` to not search (yet). Default: `true` when `vector` or a non-blank `text` is given. */
  enabled?: boolean | undefined;
  /** How long, in milliseconds, an answer counts as fresh. Default `0`. */
  staleTime?: number | undefined;
  /** Keep showing the previous matches while a changed search runs (search as you type). Default `true`. */
  keepPrevious?: boolean | undefined;
}

/**
 * What {@link useVectorSearch} returns.
 *
 * @example
 * ```tsx
 * const { matches, loading, error } = useVectorSearch({ index: 'docs', text });
 * ```
 */
export interface UseVectorSearchResult<M extends VectorMetadata> {
  /** The matches, nearest first; `undefined` before the first answer. */
  matches: Array<VectorMatch<M>> | undefined;
  /** No answer yet for this search (and none kept from a previous one). */
  loading: boolean;
  /** A request is running (the first, or a refetch). */
  isFetching: boolean;
  /** The matches shown are those of a previous search while this one runs. */
  isPrevious: boolean;
  /** Why the latest search failed (`vector/index-not-found`, `vector/no-embedding-provider`, …), or `null`. */
  error: AerostackError | null;
  /** Runs the search again. */
  refetch(): Promise<void>;
}

/**
 * Nearest-neighbour search in a vector index, as a query: cached, deduplicated between
 * components, refetched when `index`, `vector`, `text`, `topK` or `filter` change. Vector search
 * needs a secret key (decision 0042), so this hook is for server-rendered pages and internal tools
 * whose client holds one; a blank `text` and no `vector` means no search. Each distinct `text` is
 * one embedding call on the platform: debounce what the user types before passing it in.
 *
 * @example
 * ```tsx
 * function Related({ text }: { text: string }) {
 *   const { matches, loading } = useVectorSearch<{ title: string }>({ index: 'docs', text, topK: 5 });
 *   if (loading) return <p>…</p>;
 *   return <ul>{matches?.map((m) => <li key={m.id}>{m.metadata?.title}</li>)}</ul>;
 * }
 * ```
 */
export function useVectorSearch<M extends VectorMetadata = VectorMetadata>(
  options: UseVectorSearchOptions,
): UseVectorSearchResult<M> {
  const client = useAerostackContext('useVectorSearch()');
  const queryClient = useQueryClient();
  const { enabled, staleTime, keepPrevious = true, ...search } = options;
  const hasInput = search.vector !== undefined || (search.text !== undefined && search.text.trim() !== '');
  const query = useQuery({
    ...vectorSearchQueryOptions<M>(client, search),
    enabled: (enabled ?? true) && hasInput,
    ...(staleTime !== undefined ? { staleTime } : {}),
    ...(keepPrevious ? { placeholderData: keepPreviousData } : {}),
    // The client already retries transient failures; a second layer would multiply the attempts.
    ...(queryClient.getDefaultOptions().queries?.retry === undefined ? { retry: false } : {}),
  });
  return {
    matches: query.data,
    loading: query.isPending && hasInput && (enabled ?? true),
    isFetching: query.isFetching,
    isPrevious: query.isPlaceholderData,
    error: query.error,
    async refetch() {
      await query.refetch();
    },
  };
}
