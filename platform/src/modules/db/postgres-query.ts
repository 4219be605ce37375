import type { QueryConfig, QueryResult } from 'pg';
import { ApiError } from '../../http/problem.js';

// pg's Query, as far as the capped query below uses its internals (the extended protocol's
// row-limited Execute, as pg-cursor does).
interface PgQueryInternals {
  _canceledDueToError: Error | false;
  handlePortalSuspended(connection: { sync(): void }): void;
  handleCommandComplete(message: unknown, connection: { sync(): void }): void;
  handleEmptyQuery(connection: { sync(): void }): void;
  handleError(error: Error, connection: { sync(): void }): void;
}
export type PgQueryClass = new (
  config: QueryConfig & { rows?: number },
  values?: unknown,
  callback?: (error: Error | null, result?: QueryResult) => void,
) => PgQueryInternals;
export type CappedQueryClass = new (
  config: QueryConfig,
  cap: number,
  callback: (error: Error | null, result?: QueryResult) => void,
) => PgQueryInternals;

/**
 * A query that asks the server for at most `cap + 1` rows (Execute with a row limit): when the
 * portal is suspended there are more, and the query fails with `db/too-many-rows` without the
 * rest ever reaching the platform's memory.
 */
export function cappedQuery(Query: PgQueryClass): CappedQueryClass {
  return class CappedQuery extends Query {
    constructor(
      config: QueryConfig,
      cap: number,
      callback: (error: Error | null, result?: QueryResult) => void,
    ) {
      super({ ...config, rows: cap + 1 }, undefined, callback);
      this.cap = cap;
    }
    cap: number;
    /** Row-limited Executes are flushed, not synced: whoever ends the exchange must send Sync once. */
    synced = false;
    override handlePortalSuspended(connection: { sync(): void }): void {
      this._canceledDueToError = new ApiError(
        'db/too-many-rows',
        `The result has more than ${this.cap} rows. Add a LIMIT.`,
      );
      this.synced = true;
      connection.sync();
    }
    override handleCommandComplete(message: unknown, connection: { sync(): void }): void {
      this.synced = true; // pg syncs after a complete row-limited command
      super.handleCommandComplete(message, connection);
    }
    override handleEmptyQuery(connection: { sync(): void }): void {
      this.synced = true;
      super.handleEmptyQuery(connection);
    }
    override handleError(error: Error, connection: { sync(): void }): void {
      // The server skips everything after an error until Sync; without one the connection hangs.
      if (!this.synced) {
        this.synced = true;
        connection.sync();
      }
      super.handleError(error, connection);
    }
  };
}
