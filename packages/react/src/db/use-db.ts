import type { AerostackClient, DbParams, DbResult, JsonValue } from '@aerostack/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { useAerostackContext } from '../context.js';
import { aerostackKeys } from '../keys.js';

/**
 * Query keys of the database hooks. Every write through `useDb()` invalidates `dbKeys.all`: a
 * write may change what any statement reads (the platform does not tell which tables a statement
 * touches), so every cached query of the database is read again.
 *
 * @example
 * ```ts
 * await queryClient.invalidateQueries({ queryKey: dbKeys.all(client) });
 * ```
 */
export const dbKeys = {
  all: (client: Pick<AerostackClient, 'url'>) => [...aerostackKeys.all(client), 'db'] as const,
  query: (client: Pick<AerostackClient, 'url'>, sql: string, params?: DbParams) =>
    [...dbKeys.all(client), sql, params ?? null] as const,
};

/** A statement that only reads (so it neither invalidates nor needs invalidating after). */
const READS = /^\s*(select|with|values|explain)\b/i;

export interface UseDbResult {
  /** Runs a statement; a write invalidates every cached `useDbQuery`. */
  query<Row = Record<string, JsonValue>>(sql: string, params?: DbParams): Promise<DbResult<Row>>;
  /** Runs statements in one transaction, then invalidates every cached `useDbQuery`. */
  batch(statements: readonly { sql: string; params?: DbParams }[]): Promise<DbResult[]>;
  /** True while a call made through this hook runs. */
  loading: boolean;
  /** The last call's failure (cleared when the next one starts). */
  error: Error | null;
}

/**
 * The project's SQL database, as the client's credential allows (end users: the statements on the
 * project's allow-list, with their user id bound as `:auth_user_id`).
 *
 * @example
 * ```tsx
 * const { query, loading } = useDb();
 * <button disabled={loading} onClick={() => query('INSERT INTO messages (room, body, user_id) VALUES (:room, :body, :auth_user_id)', { room, body })}>Send</button>
 * ```
 */
export function useDb(): UseDbResult {
  const client = useAerostackContext('useDb()');
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const clientRef = useRef(client);
  clientRef.current = client;

  const run = useCallback(
    async <T>(call: () => Promise<T>, writes: boolean): Promise<T> => {
      setError(null);
      setPending((n) => n + 1);
      try {
        const result = await call();
        if (writes) await queryClient.invalidateQueries({ queryKey: dbKeys.all(clientRef.current) });
        return result;
      } catch (failure) {
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        throw failure;
      } finally {
        setPending((n) => n - 1);
      }
    },
    [queryClient],
  );

  return {
    query: useCallback(
      <Row>(sql: string, params?: DbParams) =>
        run(() => clientRef.current.db.query<Row>(sql, params), !READS.test(sql)),
      [run],
    ),
    batch: useCallback((statements) => run(() => clientRef.current.db.batch(statements), true), [run]),
    loading: pending > 0,
    error,
  };
}

export interface UseDbQueryResult<Row> {
  rows: Row[] | undefined;
  columns: string[] | undefined;
  loading: boolean;
  error: Error | null;
  refetch(): Promise<unknown>;
}

/**
 * A cached read, keyed by its SQL and parameters: components asking for the same statement share
 * one request, and writes through `useDb()` refresh it.
 *
 * @example
 * ```tsx
 * const { rows } = useDbQuery<{ body: string }>('SELECT body FROM messages WHERE room = :room ORDER BY id', { room });
 * ```
 */
export function useDbQuery<Row = Record<string, JsonValue>>(
  sql: string,
  params?: DbParams,
  options: { enabled?: boolean } = {},
): UseDbQueryResult<Row> {
  const client = useAerostackContext('useDbQuery()');
  const result = useQuery({
    queryKey: dbKeys.query(client, sql, params),
    queryFn: ({ signal }) => client.db.query<Row>(sql, params, { signal }),
    enabled: options.enabled ?? true,
  });
  return {
    rows: result.data?.rows,
    columns: result.data?.columns,
    loading: result.isPending && result.fetchStatus !== 'idle',
    error: result.error,
    refetch: result.refetch,
  };
}
