import { createHash } from 'node:crypto';
import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { userIdOf } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Services } from '../../services.js';
import { USER_ID_PARAM } from '../rules/types.js';
import type {
  AppliedMigration,
  Change,
  Limits,
  Params,
  ProjectDatabase,
  ResultSet,
  Statement,
} from './engine.js';
import { createPostgresEngine } from './postgres-engine.js';
import { checkStatement } from './sandbox.js';
import { createSqliteEngine } from './sqlite-engine.js';
import * as store from './store.js';
import { namedParams, splitStatements, tokenize } from './tokens.js';

/** Transaction control is the platform's: a batch is the transaction. */
const TRANSACTION_WORDS = new Set([
  'BEGIN',
  'COMMIT',
  'END',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'START',
  'ABORT',
]);

/** First words of statements whose rowsAffected counts rows (WITH may start any of them). */
const DML_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH']);

/** The bus channel a deleted project's database travels on: every worker closes its connections. */
export const DATABASE_DROPPED = 'db.database-dropped';

type Engine = 'sqlite' | 'postgres';
type ChangeListener = (projectId: string, change: Change) => void;

/** Tables whose change events can be published: names a table rule can name (0031). */
const PUBLISHABLE_TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checked(sql: string, engine: Engine): void {
  const first = tokenize(sql, engine)[0];
  if (!first) throw new ApiError('db/sql-error', 'The SQL holds no statement.');
  if (first.kind === 'word' && TRANSACTION_WORDS.has(first.value)) {
    throw new ApiError(
      'db/forbidden-statement',
      `${first.value} is the platform's: every request is a transaction (send several statements with db.batch).`,
    );
  }
  checkStatement(sql, engine);
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Refuses parameters that are not an array or an object of names, and the reserved one. */
function checkParams(params: Params | undefined): void {
  if (params !== undefined) {
    if (params === null || typeof params !== 'object') {
      throw new ApiError(
        'db/invalid-params',
        'params is a positional array or an object of named parameters.',
      );
    }
    const count = Array.isArray(params) ? params.length : Object.keys(params).length;
    if (count > 1000) throw new ApiError('db/invalid-params', 'At most 1000 parameters.');
    if (!Array.isArray(params)) {
      const bad = Object.keys(params).find((k) => !PARAM_NAME.test(k));
      if (bad !== undefined) throw new ApiError('db/invalid-params', `"${bad}" is not a parameter name.`);
    }
  }
  if (params && !Array.isArray(params) && Object.hasOwn(params, USER_ID_PARAM)) {
    throw new ApiError('db/reserved-param', `${USER_ID_PARAM} is bound by the platform from the caller.`);
  }
}

/**
 * Each project's own SQL database: a SQLite file or a PostgreSQL schema and role, fixed when the
 * project first uses it. Statements are checked, run under a timeout and caps, and every row they
 * change is published as a change event.
 */
export async function createDbService(services: Services) {
  const { config } = services;
  const meta = tables<store.DbTables>(services.database);
  const limits: Limits = {
    timeoutMs: config.db.timeoutMs,
    maxRows: config.db.maxRows,
    maxBytes: config.db.maxResponseBytes,
  };
  const sqlite = createSqliteEngine({
    dataDir: config.dataDir,
    idleMs: config.db.idleMs,
    logger: services.logger,
  });
  const postgres = config.databaseUrl
    ? await createPostgresEngine({ databaseUrl: config.databaseUrl })
    : null;
  const listeners = new Set<ChangeListener>();
  const provisioning = new Map<string, Promise<store.DatabaseRow>>();
  const unsubscribe = services.bus.subscribe(DATABASE_DROPPED, async (message) => {
    const { location } = message as { location: string };
    await sqlite.release(location);
    await postgres?.release(location);
  });

  async function provision(projectId: string): Promise<store.DatabaseRow> {
    const now = isoNow();
    if (!postgres) {
      return store.insertDatabase(meta, {
        project_id: projectId,
        engine: 'sqlite',
        location: sqlite.locationFor(projectId),
        secret: null,
        created_at: now,
      });
    }
    const { location, password } = await postgres.provision();
    const secret = await services.vault.seal(password, `db:${projectId}`);
    const row = await store.insertDatabase(meta, {
      project_id: projectId,
      engine: 'postgres',
      location,
      secret,
      created_at: now,
    });
    // Another worker or node provisioned the project at the same moment, and won.
    if (row.location !== location) {
      await postgres.discard(location).catch((error: Error) =>
        services.logger.warn('db: could not drop an unused project schema', {
          location,
          error: error.message,
        }),
      );
    }
    return row;
  }

  async function rowOf(projectId: string): Promise<store.DatabaseRow> {
    const row = await store.findDatabase(meta, projectId);
    if (row) return row;
    let pending = provisioning.get(projectId);
    if (!pending) {
      pending = provision(projectId).finally(() => provisioning.delete(projectId));
      provisioning.set(projectId, pending);
    }
    return pending;
  }

  async function open(projectId: string): Promise<{ engine: Engine; database: ProjectDatabase }> {
    const row = await rowOf(projectId);
    if (row.engine === 'sqlite') return { engine: 'sqlite', database: sqlite.database(row.location) };
    if (!postgres) {
      throw new ApiError(
        'db/engine-unavailable',
        "This project's database is on PostgreSQL, and the platform runs without DATABASE_URL.",
      );
    }
    const password = await services.vault.openText(row.secret!, `db:${projectId}`);
    return { engine: 'postgres', database: postgres.database(row.location, password) };
  }

  async function publish(projectId: string, changes: Change[]): Promise<void> {
    for (const change of changes) {
      for (const listener of listeners) listener(projectId, change);
      if (!PUBLISHABLE_TABLE.test(change.table)) continue;
      const row = (change.new ?? change.old) as Record<string, unknown>;
      try {
        // realtime comes later in the registry: reached at call time, not at boot.
        await services.realtime.publish(
          projectId,
          `table/${change.table}`,
          change.op,
          { table: change.table, new: change.new, old: change.old },
          { row: { table: change.table, row } },
        );
      } catch (error) {
        services.logger.error('db: could not publish a change event', {
          projectId,
          table: change.table,
          error: (error as Error).message,
        });
      }
    }
  }

  /** The statement as the engine runs it, with the caller's user id when it uses the reserved parameter. */
  function prepare(principal: Principal, sql: string, params: Params | undefined, engine: Engine): Statement {
    checkParams(params);
    checked(sql, engine);
    const first = tokenize(sql, engine)[0];
    const statement: Statement = {
      sql,
      params: params ?? [],
      dml: first !== undefined && DML_WORDS.has(first.value),
    };
    if (namedParams(sql, engine).includes(USER_ID_PARAM)) statement.userId = userIdOf(principal);
    return statement;
  }

  async function run(projectId: string, database: ProjectDatabase, statements: Statement[]) {
    const { results, changes } = await database.execute(statements, limits);
    await publish(projectId, changes);
    return results;
  }

  return {
    /** Runs one statement; end users only as the project's rules allow. */
    async query(principal: Principal, sql: string, params: Params | undefined): Promise<ResultSet> {
      const projectId = principal.projectId!;
      checkParams(params);
      if (principal.scheme !== 'secretKey') {
        const decision = await services.rules.statement(principal, sql);
        if (!decision.allowed) throw new ApiError('db/statement-denied', decision.reason);
      }
      const { engine, database } = await open(projectId);
      const [result] = await run(projectId, database, [prepare(principal, sql, params, engine)]);
      return result!;
    },

    /** Runs `statements` in one transaction: all or nothing (secret key). */
    async batch(principal: Principal, statements: { sql: string; params?: Params }[]): Promise<ResultSet[]> {
      const projectId = principal.projectId!;
      const { engine, database } = await open(projectId);
      const prepared = statements.map((s, i) => {
        try {
          return prepare(principal, s.sql, s.params, engine);
        } catch (error) {
          if (error instanceof ApiError)
            throw new ApiError(error.code, `Statement ${i + 1}: ${error.detail}`);
          throw error;
        }
      });
      return run(projectId, database, prepared);
    },

    /** Applies each migration never applied before, in order; see the spec's db.migrations.apply. */
    async applyMigrations(projectId: string, migrations: { name: string; sql: string }[]) {
      const names = new Set<string>();
      for (const m of migrations) {
        if (names.has(m.name)) throw new ApiError('db/duplicate-migration', `"${m.name}" appears twice.`);
        names.add(m.name);
      }
      const { engine, database } = await open(projectId);
      const before = new Map((await database.applied()).map((m) => [m.name, m]));
      const pending = [];
      for (const m of migrations) {
        const checksum = createHash('sha256').update(m.sql).digest('hex');
        const applied = before.get(m.name);
        if (applied) {
          if (applied.checksum !== checksum) {
            throw new ApiError(
              'db/migration-changed',
              `Migration ${m.name} was applied with other SQL; add a new migration instead of editing it.`,
            );
          }
          continue;
        }
        for (const statement of splitStatements(m.sql, engine)) {
          try {
            checked(statement, engine);
          } catch (error) {
            if (error instanceof ApiError)
              throw new ApiError(error.code, `Migration ${m.name}: ${error.detail}`);
            throw error;
          }
        }
        pending.push({ name: m.name, sql: m.sql, checksum });
      }
      const outcome = pending.length ? await database.migrate(pending, limits) : null;
      if (outcome) await publish(projectId, outcome.changes);
      if (outcome?.failure) throw outcome.failure.error;
      return { applied: outcome?.applied ?? [], migrations: await database.applied() };
    },

    async listMigrations(projectId: string): Promise<AppliedMigration[]> {
      return (await open(projectId)).database.applied();
    },

    /** Calls `listener` with every change event the module captures (before it is published). */
    onChange(listener: ChangeListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /**
     * Deletes the project's database (decision 0048): its row, then every worker's child process
     * or connections, then the SQLite file or the PostgreSQL schema and role.
     */
    async drop(projectId: string): Promise<void> {
      const row = await store.deleteDatabase(meta, projectId);
      if (!row) return;
      await services.bus.publish(DATABASE_DROPPED, { location: row.location });
      if (row.engine === 'sqlite') await sqlite.remove(row.location);
      else if (postgres) await postgres.remove(row.location);
      else
        services.logger.warn("db: a deleted project's schema stays (no DATABASE_URL)", {
          projectId,
          location: row.location,
        });
    },

    async close(): Promise<void> {
      unsubscribe();
      sqlite.close();
      await postgres?.close();
    },
  };
}

export type DbService = Awaited<ReturnType<typeof createDbService>>;
