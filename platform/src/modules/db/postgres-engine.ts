import type { Pool, PoolClient, QueryConfig, QueryResult, Submittable } from 'pg';
import { ApiError } from '../../http/problem.js';
import { randomBase62 } from '../../lib/ids.js';
import type {
  AppliedMigration,
  Change,
  Limits,
  MigrateOutcome,
  MigrationToApply,
  ProjectDatabase,
  ResultSet,
  Row,
  Statement,
} from './engine.js';
import { splitStatements, tokenize } from './tokens.js';

// A project's PostgreSQL database is a schema owned by a role of its own. The platform connects
// AS that role (LOGIN, a random password kept sealed by the vault), not as itself with SET ROLE:
// a session whose user is the platform's superuser could RESET ROLE back from inside project SQL
// (a DO block builds any statement at run time, so no text check can stop it). Connected as the
// project's role, PostgreSQL itself refuses other schemas, pg_read_file, COPY … PROGRAM, CREATE
// EXTENSION and SET ROLE to anyone else. Each request runs in a transaction with SET LOCAL
// search_path and statement_timeout (set again before every statement of a batch).

const INT8 = 20;
const BYTEA = 17;
const NUMERIC = 1700;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Rewrites `:name` parameters to `$n` and answers the values in order. Positional arrays keep
 * their `$n`; `:auth_user_id` (when used) is bound after them.
 */
export function toPositional(statement: Statement): { text: string; values: unknown[] } {
  const params = statement.params ?? [];
  const values: unknown[] = Array.isArray(params) ? params.map(bindValue) : [];
  const named = Array.isArray(params) ? {} : params;
  const slots = new Map<string, number>();
  let text = '';
  let from = 0;
  for (const token of tokenize(statement.sql, 'postgres')) {
    if (token.kind !== 'param' || statement.sql[token.start] !== ':') continue;
    const name = token.value;
    let slot = slots.get(name);
    if (slot === undefined) {
      if (name === 'auth_user_id' && statement.userId !== undefined) values.push(statement.userId);
      else if (Object.hasOwn(named, name)) values.push(bindValue(named[name] ?? null));
      else throw new ApiError('db/invalid-params', `Missing named parameter "${name}".`);
      slot = values.length;
      slots.set(name, slot);
    }
    text += `${statement.sql.slice(from, token.start)}$${slot}`;
    from = token.end;
  }
  return { text: text + statement.sql.slice(from), values };
}

function bindValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

function outValue(value: unknown, type: number): unknown {
  if (value === null) return null;
  if (type === BYTEA) return (value as Buffer).toString('base64');
  if (type === INT8) {
    const big = BigInt(value as string);
    return big <= SAFE && big >= -SAFE ? Number(big) : String(value);
  }
  if (type === NUMERIC) return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

function sqlError(error: unknown, label: string): ApiError {
  const e = error as { code?: string; message?: string };
  if (e.code === '57014') return new ApiError('db/statement-timeout', `${label}${e.message}`);
  if (e.code === '08P01' && /bind message supplies/.test(e.message ?? '')) {
    return new ApiError('db/invalid-params', `${label}${e.message}`);
  }
  return new ApiError('db/sql-error', `${label}${e.message ?? String(error)}`);
}

/** Statements after which the set of tables cannot have changed. */
const DML = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'FETCH', 'SHOW', 'EXPLAIN']);

// Gives every table of the schema that lacks it the capture trigger (one generic PL/pgSQL function
// copies NEW / OLD as JSON into _aerostack_changes). Partitions are skipped: their parent's
// trigger fires for them.
const SYNC_TRIGGERS = `
DO $sync$
DECLARE t record;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT LIKE '\\_aerostack%'
      AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = '_aerostack_capture')
  LOOP
    EXECUTE format('CREATE TRIGGER _aerostack_capture AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION _aerostack_capture()', t.relname);
  END LOOP;
END
$sync$`;

async function syncTriggers(client: PoolClient): Promise<void> {
  await client.query(SYNC_TRIGGERS);
}

async function drain(client: PoolClient): Promise<Change[]> {
  const result = await client.query('DELETE FROM _aerostack_changes RETURNING seq, tbl, op, new, old');
  return (
    result.rows as Array<{ seq: string; tbl: string; op: Change['op']; new: Row | null; old: Row | null }>
  )
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((r) => ({ table: r.tbl, op: r.op, new: r.new, old: r.old }));
}

// pg's Query, as far as the capped query below uses its internals (the extended protocol's
// row-limited Execute, as pg-cursor does).
interface PgQueryInternals {
  _canceledDueToError: Error | false;
  handlePortalSuspended(connection: { sync(): void }): void;
  handleCommandComplete(message: unknown, connection: { sync(): void }): void;
  handleEmptyQuery(connection: { sync(): void }): void;
  handleError(error: Error, connection: { sync(): void }): void;
}
type PgQueryClass = new (
  config: QueryConfig & { rows?: number },
  values?: unknown,
  callback?: (error: Error | null, result?: QueryResult) => void,
) => PgQueryInternals;
type CappedQueryClass = new (
  config: QueryConfig,
  cap: number,
  callback: (error: Error | null, result?: QueryResult) => void,
) => PgQueryInternals;

/**
 * A query that asks the server for at most `cap + 1` rows (Execute with a row limit): when the
 * portal is suspended there are more, and the query fails with `db/too-many-rows` without the
 * rest ever reaching the platform's memory.
 */
function cappedQuery(Query: PgQueryClass): CappedQueryClass {
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

class PostgresProjectDatabase implements ProjectDatabase {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly Query: CappedQueryClass,
  ) {}

  /** Runs one statement, reading at most `cap` + 1 rows from the server. */
  private run(client: PoolClient, config: QueryConfig, cap: number): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      const query = new this.Query(config, Math.max(0, cap), (error, result) =>
        error ? reject(error) : resolve(result!),
      );
      client.query(query as unknown as Submittable);
    });
  }

  private async transaction<T>(timeoutMs: number, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: Error) => {
      throw new ApiError(
        'db/engine-unavailable',
        `Cannot connect to the project's database: ${error.message}`,
      );
    });
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path = ${quoteIdent(this.schema)}`);
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async execute(statements: Statement[], limits: Limits) {
    const budget = { rows: 0, bytes: 0 };
    const results = await this.transaction(limits.timeoutMs, async (client) => {
      const out: ResultSet[] = [];
      for (const [index, statement] of statements.entries()) {
        const label = statements.length > 1 ? `Statement ${index + 1}: ` : '';
        const { text, values } = toPositional(statement);
        let result: import('pg').QueryResult;
        try {
          if (index > 0) await client.query(`SET LOCAL statement_timeout = ${Math.floor(limits.timeoutMs)}`);
          result = await this.run(client, { text, values, types: RAW_TYPES }, limits.maxRows - budget.rows);
        } catch (error) {
          if (error instanceof ApiError) throw new ApiError(error.code, `${label}${error.detail}`);
          throw sqlError(error, label);
        }
        const columns = (result.fields ?? []).map((f) => f.name);
        const rows: Row[] = [];
        for (const raw of result.rows ?? []) {
          if (budget.rows++ >= limits.maxRows) {
            throw new ApiError(
              'db/too-many-rows',
              `${label}The result has more than ${limits.maxRows} rows. Add a LIMIT.`,
            );
          }
          const row: Record<string, unknown> = {};
          for (const field of result.fields) row[field.name] = outValue(raw[field.name], field.dataTypeID);
          budget.bytes += JSON.stringify(row).length;
          if (budget.bytes > limits.maxBytes) {
            throw new ApiError(
              'db/response-too-large',
              `${label}The result is larger than ${limits.maxBytes} bytes.`,
            );
          }
          rows.push(row as Row);
        }
        const writes = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
        out.push({ rows, columns, rowsAffected: writes ? (result.rowCount ?? 0) : 0 });
        if (!DML.has(result.command)) await syncTriggers(client);
      }
      return { out, changes: await drain(client) };
    });
    return { results: results.out, changes: results.changes };
  }

  async migrate(migrations: MigrationToApply[], limits: Limits): Promise<MigrateOutcome> {
    const applied: string[] = [];
    const changes: Change[] = [];
    for (const migration of migrations) {
      try {
        const done = await this.transaction(limits.timeoutMs, async (client) => {
          const seen = await client.query('SELECT 1 FROM _aerostack_migrations WHERE name = $1', [
            migration.name,
          ]);
          if (seen.rowCount) return null;
          // One statement at a time, each under the timeout again (a migration cannot lift it).
          for (const sql of splitStatements(migration.sql, 'postgres')) {
            await client.query(`SET LOCAL statement_timeout = ${Math.floor(limits.timeoutMs)}`);
            await client.query(`SET LOCAL search_path = ${quoteIdent(this.schema)}`);
            await client.query(sql);
            await syncTriggers(client);
          }
          await client.query(`SET LOCAL search_path = ${quoteIdent(this.schema)}`);
          await client.query(
            'INSERT INTO _aerostack_migrations (name, checksum, applied_at) VALUES ($1, $2, $3)',
            [migration.name, migration.checksum, new Date().toISOString()],
          );
          return drain(client);
        });
        if (done) {
          applied.push(migration.name);
          changes.push(...done);
        }
      } catch (error) {
        return {
          applied,
          changes,
          failure: { name: migration.name, error: sqlError(error, `Migration ${migration.name}: `) },
        };
      }
    }
    return { applied, changes, failure: null };
  }

  async applied(): Promise<AppliedMigration[]> {
    return this.transaction(30_000, async (client) => {
      const result = await client.query(
        'SELECT name, checksum, applied_at AS "appliedAt" FROM _aerostack_migrations ORDER BY seq',
      );
      return result.rows as AppliedMigration[];
    });
  }
}

/** Keeps int8 and numeric as text, so no precision is lost on the way to JSON. */
const RAW_TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => v
      : // biome-ignore lint/suspicious/noExplicitAny: pg's own parser table
        (PG_TYPES as any).getTypeParser(oid, format),
};
let PG_TYPES: unknown;

/**
 * Where project schemas live: a database of their own beside the platform's (`<name>_projects`
 * on the same server), never the platform's database itself. LISTEN/NOTIFY has no privileges in
 * PostgreSQL, so a project role connected to the platform's database could read and inject
 * messages on the platform's bus; across databases it cannot, nor can it name the platform's tables.
 */
export function projectsDatabase(databaseUrl: string): { name: string; url: string } {
  const url = new URL(databaseUrl);
  const base = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
  const name = `${base.slice(0, 54)}_projects`;
  url.pathname = `/${encodeURIComponent(name)}`;
  return { name, url: url.toString() };
}

/** The PostgreSQL engine: a schema and a LOGIN role per project, on the platform's DATABASE_URL's server. */
export async function createPostgresEngine(options: { databaseUrl: string }) {
  const { default: pg } = await import('pg');
  PG_TYPES = pg.types;
  const CappedQuery = cappedQuery(pg.Query as unknown as PgQueryClass);
  const projects = projectsDatabase(options.databaseUrl);
  const pools = new Map<string, Pool>();
  let setup: Promise<Pool> | null = null;

  /** The platform's pool on the projects' database, created (with the database) on first use. */
  function adminPool(): Promise<Pool> {
    setup ??= (async () => {
      const boot = new pg.Client({ connectionString: options.databaseUrl });
      await boot.connect();
      try {
        const found = await boot.query('SELECT 1 FROM pg_database WHERE datname = $1', [projects.name]);
        if (!found.rowCount) {
          await boot
            .query(`CREATE DATABASE ${quoteIdent(projects.name)}`)
            .catch((error: { code?: string }) => {
              // Another worker or node created it meanwhile.
              if (error.code !== '42P04' && error.code !== '23505') throw error;
            });
        }
      } finally {
        await boot.end().catch(() => {});
      }
      const pool = new pg.Pool({ connectionString: projects.url, max: 2 });
      pool.on('error', () => {});
      // Nobody but the platform creates anything outside their own schema.
      await pool.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
      return pool;
    })().catch((error: Error) => {
      setup = null;
      throw new ApiError(
        'db/engine-unavailable',
        `The projects' database "${projects.name}" is not available (create it, or let the platform's user create databases): ${error.message}`,
      );
    });
    return setup;
  }

  function poolFor(role: string, password: string): Pool {
    let pool = pools.get(role);
    if (!pool) {
      const url = new URL(projects.url);
      url.username = role;
      url.password = password;
      pool = new pg.Pool({ connectionString: url.toString(), max: 3, idleTimeoutMillis: 30_000 });
      pool.on('error', () => {});
      pools.set(role, pool);
    }
    return pool;
  }

  async function createSchema(
    client: PoolClient,
    name: string,
    password: string,
  ): Promise<{ location: string; password: string }> {
    try {
      await client.query('BEGIN');
      await client.query(
        `CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20 PASSWORD '${password}'`,
      );
      await client.query(`CREATE SCHEMA ${quoteIdent(name)} AUTHORIZATION ${quoteIdent(name)}`);
      await client.query(`ALTER ROLE ${quoteIdent(name)} SET search_path = ${quoteIdent(name)}`);
      await client.query(
        `CREATE TABLE ${quoteIdent(name)}._aerostack_migrations (seq bigserial PRIMARY KEY, name text NOT NULL UNIQUE, checksum text NOT NULL, applied_at text NOT NULL)`,
      );
      await client.query(
        `ALTER TABLE ${quoteIdent(name)}._aerostack_migrations OWNER TO ${quoteIdent(name)}`,
      );
      await client.query(
        `CREATE TABLE ${quoteIdent(name)}._aerostack_changes (seq bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, new jsonb, old jsonb)`,
      );
      await client.query(`ALTER TABLE ${quoteIdent(name)}._aerostack_changes OWNER TO ${quoteIdent(name)}`);
      await client.query(`CREATE FUNCTION ${quoteIdent(name)}._aerostack_capture() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
INSERT INTO ${quoteIdent(name)}._aerostack_changes (tbl, op, new, old) VALUES (
  TG_TABLE_NAME, TG_OP,
  CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
  CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
RETURN NULL;
END
$f$`);
      await client.query(
        `ALTER FUNCTION ${quoteIdent(name)}._aerostack_capture() OWNER TO ${quoteIdent(name)}`,
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    return { location: name, password };
  }

  return {
    /** Creates the project's role and schema; answers their name and the role's password. */
    async provision(): Promise<{ location: string; password: string }> {
      const name = `aerostack_db_${randomBase62(16).toLowerCase()}`;
      const password = randomBase62(32);
      const client = await (await adminPool()).connect();
      try {
        return await createSchema(client, name, password);
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw new ApiError(
          'db/engine-unavailable',
          `Cannot create the project's schema and role (the platform's user needs CREATEROLE): ${(error as Error).message}`,
        );
      } finally {
        client.release();
      }
    },

    database(location: string, password: string): ProjectDatabase {
      return new PostgresProjectDatabase(poolFor(location, password), location, CappedQuery);
    },

    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
      pools.clear();
      const admin = await setup?.catch(() => null);
      await admin?.end().catch(() => {});
    },
  };
}
