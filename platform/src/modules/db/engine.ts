import type { JsonValue } from '../cache/store.js';

/** A statement's parameters: positional, or named (`:name`). */
export type Params = JsonValue[] | Record<string, JsonValue>;

export interface Statement {
  sql: string;
  params?: Params;
  /** Set when the SQL uses `:auth_user_id`: the value the platform binds to it (null when anonymous). */
  userId?: string | null;
  /** Whether it is an INSERT / UPDATE / DELETE / REPLACE (its rowsAffected is meaningful). */
  dml?: boolean;
}

export type Row = Record<string, JsonValue>;

export interface ResultSet {
  rows: Row[];
  columns: string[];
  rowsAffected: number;
}

/** One row changed by a write, as the database captured it. */
export interface Change {
  table: string;
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Row | null;
  old: Row | null;
}

export interface Limits {
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
}

export interface MigrationToApply {
  name: string;
  checksum: string;
  sql: string;
}

export interface AppliedMigration {
  name: string;
  checksum: string;
  appliedAt: string;
}

export interface MigrateOutcome {
  applied: string[];
  changes: Change[];
  /** The migration that failed (rolled back; the ones after it did not run), or null. */
  failure: { name: string; error: Error } | null;
}

/** One project's database on one engine. Errors are `ApiError`s with `db/…` codes. */
export interface ProjectDatabase {
  /** Runs `statements` in one transaction (one read-only statement may run without one). */
  execute(statements: Statement[], limits: Limits): Promise<{ results: ResultSet[]; changes: Change[] }>;
  migrate(migrations: MigrationToApply[], limits: Limits): Promise<MigrateOutcome>;
  applied(): Promise<AppliedMigration[]>;
}
