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
import { captureSetup, DML, drain, syncTriggers } from './postgres-capture.js';
import { type CappedQueryClass, cappedQuery, type PgQueryClass } from './postgres-query.js';
import { outValue, quoteIdent, rawTypes, sqlError, toPositional } from './postgres-values.js';
import { splitStatements } from './tokens.js';

// A project's PostgreSQL database is a schema owned by a role of its own. The platform connects
// AS that role (LOGIN, a random password kept sealed by the vault), not as itself with SET ROLE:
// a session whose user is the platform's superuser could RESET ROLE back from inside project SQL
// (a DO block builds any statement at run time, so no text check can stop it). Connected as the
// project's role, PostgreSQL itself refuses other schemas, pg_read_file, COPY … PROGRAM, CREATE
// EXTENSION and SET ROLE to anyone else. Each request runs in a transaction with SET LOCAL
// search_path and statement_timeout (set again before every statement of a batch).

class PostgresProjectDatabase implements ProjectDatabase {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly Query: CappedQueryClass,
    private readonly types: QueryConfig['types'],
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
          result = await this.run(client, { text, values, types: this.types }, limits.maxRows - budget.rows);
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
  const CappedQuery = cappedQuery(pg.Query as unknown as PgQueryClass);
  const types = rawTypes(pg.types) as QueryConfig['types'];
  const projects = projectsDatabase(options.databaseUrl);
  const pools = new Map<string, Pool>();
  let setup: Promise<Pool> | null = null;

  /** The platform's pool on the projects' database, created (with the database) on first use. */
  function adminPool(): Promise<Pool> {
    setup ??= (async () => {
      const boot = new pg.Client({ connectionString: options.databaseUrl });
      await boot.connect();
      let created = false;
      try {
        const found = await boot.query('SELECT 1 FROM pg_database WHERE datname = $1', [projects.name]);
        if (!found.rowCount) {
          created = await boot.query(`CREATE DATABASE ${quoteIdent(projects.name)}`).then(
            () => true,
            (error: { code?: string }) => {
              // Another worker or node created it meanwhile (and sets it up).
              if (error.code !== '42P04' && error.code !== '23505') throw error;
              return false;
            },
          );
        }
      } finally {
        await boot.end().catch(() => {});
      }
      const pool = new pg.Pool({ connectionString: projects.url, max: 2 });
      pool.on('error', () => {});
      // Nobody but the platform creates anything outside their own schema. Only the creator
      // revokes: two concurrent REVOKEs on one schema fail with "tuple concurrently updated".
      if (created) await pool.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
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
      for (const statement of captureSetup(name)) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    return { location: name, password };
  }

  async function dropSchema(location: string): Promise<void> {
    const admin = await adminPool();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(location)} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(location)}`);
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

    /** Drops a schema and role that lost a race to be a project's database (never used). */
    discard: dropSchema,

    /** Closes this process's connections as the role of `location` (a deleted project's). */
    async release(location: string): Promise<void> {
      const pool = pools.get(location);
      pools.delete(location);
      await pool?.end().catch(() => {});
    },

    /**
     * Drops a deleted project's schema and role: no new sessions first, then the open ones are
     * ended where the platform's user may (best effort: a statement still running holds the
     * schema's locks only until its timeout).
     */
    async remove(location: string): Promise<void> {
      const admin = await adminPool();
      await admin.query(`ALTER ROLE ${quoteIdent(location)} NOLOGIN`).catch(() => {});
      await admin
        .query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [location])
        .catch(() => {});
      await dropSchema(location);
    },

    database(location: string, password: string): ProjectDatabase {
      return new PostgresProjectDatabase(poolFor(location, password), location, CappedQuery, types);
    },

    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
      pools.clear();
      const admin = await setup?.catch(() => null);
      await admin?.end().catch(() => {});
    },
  };
}
