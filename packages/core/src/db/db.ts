import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import type { components } from '../generated/openapi';
import type { Http } from '../transport/http-types';
import type { JsonValue } from '../types/json';

type Schemas = components['schemas'];

/** A statement's parameters: positional (`?`) or named (`:room`); `auth_user_id` is the platform's. */
export type DbParams = readonly JsonValue[] | Readonly<Record<string, JsonValue>>;

/** What a statement answered; `rows` typed as you expect them. */
export interface DbResult<Row = Record<string, JsonValue>> {
  rows: Row[];
  columns: string[];
  rowsAffected: number;
}

/**
 * The project's own SQL database. With the secret key any statement inside it; end users
 * (publishable key, signed in or not) only the statements the project's rules allow, with the
 * signed-in user's id bound by the platform as `:auth_user_id`.
 *
 * @example
 * const { rows } = await client.db.query<{ id: number; body: string }>(
 *   'SELECT id, body FROM messages WHERE room = :room ORDER BY id', { room: 'lobby' },
 * );
 */
export interface DbApi {
  query<Row = Record<string, JsonValue>>(
    sql: string,
    params?: DbParams,
    options?: RequestOptions,
  ): Promise<DbResult<Row>>;
  /** Runs the statements in one transaction: all of them, or none. */
  batch(
    statements: readonly { sql: string; params?: DbParams }[],
    options?: RequestOptions,
  ): Promise<DbResult[]>;
  /** Applies the migrations not applied yet, in order (secret key). */
  migrate(
    migrations: readonly Schemas['DbMigration'][],
    options?: RequestOptions,
  ): Promise<Schemas['DbMigrationsApplied']>;
}

const statement = (sql: string, params?: DbParams) =>
  (params === undefined ? { sql } : { sql, params }) as Schemas['DbStatement'];

export function createDbApi(http: Http): DbApi {
  return {
    async query<Row>(sql: string, params?: DbParams, options?: RequestOptions) {
      const result = await http.POST('/v1/db/query', {
        body: statement(sql, params),
        ...pickRequestOptions(options),
      });
      return result as DbResult<Row>;
    },
    async batch(statements, options) {
      const body = { statements: statements.map((s) => statement(s.sql, s.params)) };
      const { results } = await http.POST('/v1/db/batch', { body, ...pickRequestOptions(options) });
      return results as DbResult[];
    },
    migrate: (migrations, options) =>
      http.POST('/v1/db/migrations', {
        body: { migrations: [...migrations] },
        ...pickRequestOptions(options),
      }),
  };
}
