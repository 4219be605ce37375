import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ApiError } from '../../http/problem.js';
import type { Logger } from '../../lib/logger.js';
import type { Change, Limits, MigrateOutcome, ProjectDatabase, ResultSet, Statement } from './engine.js';
import { CHILD_PROGRAM } from './sqlite-child.js';
import { splitStatements } from './tokens.js';

const SQLITE_MODULE = createRequire(import.meta.url).resolve(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
);

/** SQLite's memory ceiling in each project's process. */
const HEAP_LIMIT_BYTES = 512 * 1024 * 1024;

interface ChildError {
  kind: 'sql' | 'params' | 'rows' | 'bytes';
  message: string;
  index: number;
}

/** The ApiError for an error the child reported; `label` names the statement in a batch. */
export function childError(error: ChildError, label: string): ApiError {
  switch (error.kind) {
    case 'params':
      return new ApiError('db/invalid-params', `${label}${error.message}`);
    case 'rows':
      return new ApiError('db/too-many-rows', `${label}${error.message} Add a LIMIT.`);
    case 'bytes':
      return new ApiError('db/response-too-large', `${label}${error.message}`);
    default:
      return new ApiError('db/sql-error', `${label}${error.message}`);
  }
}

function labelled(error: ApiError, migration: string): ApiError {
  return new ApiError(error.code, `Migration ${migration}: ${error.detail ?? error.title}`);
}

interface Pending {
  message: Record<string, unknown>;
  timeoutMs: number;
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * One project's SQLite file, served by one child process at a time. Requests queue and go to the
 * child one by one; each has its deadline from the moment the child starts it. At the deadline the
 * child is killed, the request answers `db/statement-timeout`, and the next request starts a new
 * child. An idle child exits after `idleMs`.
 */
class SqliteProjectDatabase implements ProjectDatabase {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private queue: Pending[] = [];
  private busy = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly idleMs: number,
    private readonly logger: Logger,
  ) {}

  private start(): Promise<void> {
    const child = spawn(process.execPath, ['-e', CHILD_PROGRAM], {
      env: {
        AEROSTACK_SQLITE_MODULE: SQLITE_MODULE,
        AEROSTACK_DB_FILE: this.file,
        AEROSTACK_DB_HEAP_LIMIT: String(HEAP_LIMIT_BYTES),
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      let started = false;
      child.once('message', () => {
        started = true;
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.child = null;
          this.ready = null;
        }
        if (started) return;
        // The detail stays generic (stderr names files); the operator's log has the rest.
        this.logger.error('db: the database process could not start', {
          file: this.file,
          code,
          signal,
          stderr,
        });
        reject(new ApiError('db/engine-unavailable', "The project's database could not be opened."));
      });
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  /**
   * Stops the child: SIGKILL when it is stuck in a statement; otherwise it is asked to close the
   * database and exit (disconnecting its channel), and killed if it has not within a second.
   */
  private kill(graceful = false): Promise<void> {
    const child = this.child;
    this.child = null;
    this.ready = null;
    if (!child) return Promise.resolve();
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.removeAllListeners('message');
    if (graceful && child.connected) {
      child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 1000).unref();
    } else {
      child.kill('SIGKILL');
    }
    return exited;
  }

  send(message: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error('database closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ message, timeoutMs, resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    const next = this.queue.shift();
    if (!next) {
      this.idleTimer ??= setTimeout(() => {
        this.idleTimer = null;
        if (!this.busy && this.queue.length === 0) void this.kill(true);
      }, this.idleMs);
      this.idleTimer.unref();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.busy = true;
    try {
      next.resolve(await this.dispatch(next));
    } catch (error) {
      next.reject(error as Error);
    } finally {
      this.busy = false;
      void this.pump();
    }
  }

  private async dispatch(pending: Pending): Promise<Record<string, unknown>> {
    if (!this.child) await this.start();
    else await this.ready;
    const child = this.child!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.logger.warn('db: statement timed out; restarting the database process', { file: this.file });
        void this.kill();
        reject(
          new ApiError(
            'db/statement-timeout',
            `The statement ran longer than ${pending.timeoutMs} ms and was stopped.`,
          ),
        );
      }, pending.timeoutMs);
      const onMessage = (answer: Record<string, unknown>) => {
        cleanup();
        resolve(answer);
      };
      const onExit = () => {
        cleanup();
        this.logger.warn('db: the database process stopped during a request', { file: this.file });
        reject(new ApiError('db/engine-unavailable', 'The database process stopped during the statement.'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(pending.message);
    });
  }

  async execute(statements: Statement[], limits: Limits) {
    const answer = await this.send({ op: 'exec', statements, ...limits }, limits.timeoutMs);
    if (!answer.ok) {
      const error = answer.error as ChildError;
      throw childError(error, statements.length > 1 ? `Statement ${error.index + 1}: ` : '');
    }
    return { results: answer.results as ResultSet[], changes: answer.changes as Change[] };
  }

  async migrate(migrations: { name: string; checksum: string; sql: string }[], limits: Limits) {
    const outcome: MigrateOutcome = { applied: [], changes: [], failure: null };
    // One message per migration: each has the timeout of a request, and a runaway one is stopped
    // (with the ones before it applied) without waiting for the rest of the list's allowance.
    for (const m of migrations) {
      let answer: Record<string, unknown>;
      try {
        answer = await this.send(
          { op: 'migrate', migrations: [{ ...m, statements: splitStatements(m.sql) }] },
          limits.timeoutMs,
        );
      } catch (error) {
        if (error instanceof ApiError)
          return { ...outcome, failure: { name: m.name, error: labelled(error, m.name) } };
        throw error;
      }
      outcome.applied.push(...(answer.applied as string[]));
      outcome.changes.push(...(answer.changes as Change[]));
      const failure = answer.failure as (ChildError & { name: string }) | null;
      if (failure) {
        return {
          ...outcome,
          failure: { name: failure.name, error: childError(failure, `Migration ${failure.name}: `) },
        };
      }
    }
    return outcome;
  }

  async applied() {
    const answer = await this.send({ op: 'list' }, 30_000);
    return answer.migrations as { name: string; checksum: string; appliedAt: string }[];
  }

  /** Stops taking requests and stops the child; resolves once the child has exited. */
  close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const pending of this.queue.splice(0)) pending.reject(new Error('database closed'));
    return this.kill(!this.busy);
  }
}

/** The SQLite engine: one file per project under `<dataDir>/db/`, mode 0600 like every file there. */
export function createSqliteEngine(options: { dataDir: string; idleMs: number; logger: Logger }) {
  const dir = join(options.dataDir, 'db');
  const open = new Map<string, SqliteProjectDatabase>();
  return {
    /** The file name a new project database gets (relative to the engine's directory). */
    locationFor: (projectId: string) => `${projectId}.sqlite`,
    database(location: string): ProjectDatabase {
      let database = open.get(location);
      if (!database) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const file = join(dir, location);
        // Created 0600 before SQLite opens it: its -wal and -shm files take the file's mode.
        if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
        database = new SqliteProjectDatabase(file, options.idleMs, options.logger);
        open.set(location, database);
      }
      return database;
    },
    /** Stops this process's child for `location` (a deleted project's), waiting for its exit. */
    async release(location: string): Promise<void> {
      const database = open.get(location);
      open.delete(location);
      await database?.close();
    },
    /** Deletes the file of `location` and SQLite's files beside it. */
    async remove(location: string): Promise<void> {
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        await rm(join(dir, `${location}${suffix}`), { force: true });
      }
    },
    close(): void {
      for (const database of open.values()) void database.close();
      open.clear();
    },
  };
}
