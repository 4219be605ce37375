import type { CompiledQuery, Kysely, QueryResult } from 'kysely';

/**
 * A query built and compiled once, then executed with new parameters (in the order the compiled
 * SQL takes them). For the hottest paths only: building and compiling a Kysely query costs more
 * than running the statement on SQLite, whose prepared statements the dialect already reuses.
 */
export function precompiled<R>(
  db: Kysely<unknown>,
  query: { compile(): CompiledQuery<R> },
): (parameters: readonly unknown[]) => Promise<QueryResult<R>> {
  const compiled = query.compile();
  return (parameters) => db.executeQuery<R>({ ...compiled, parameters });
}
