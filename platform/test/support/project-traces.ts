import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/database.js';
import { projectsDatabase } from '../../src/modules/db/postgres-engine.js';

// Where a deleted project could linger, looked for generically (decision 0048): a module added
// later that forgets its clean-up fails these checks without anyone listing its tables.

/** Tables of the platform database and their columns that can hold an id. */
async function textColumns(database: Database): Promise<Map<string, string[]>> {
  const columns = new Map<string, string[]>();
  const rows =
    database.dialect === 'sqlite'
      ? (
          await sql<{ table_name: string; column_name: string }>`
            SELECT m.name AS table_name, c.name AS column_name
            FROM sqlite_master m, pragma_table_info(m.name) c
            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`.execute(database.db)
        ).rows
      : (
          await sql<{ table_name: string; column_name: string }>`
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('text', 'character varying', 'json', 'jsonb')`.execute(database.db)
        ).rows;
  for (const { table_name, column_name } of rows) {
    columns.set(table_name, [...(columns.get(table_name) ?? []), column_name]);
  }
  return columns;
}

/**
 * Every row of every platform table that names `projectId`: `project_id` equal to it, or any text
 * column containing it (blob names, idempotency scopes, JSON). `table.column` → count.
 */
export async function rowsNaming(database: Database, projectId: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  const pattern = `%${projectId}%`;
  for (const [table, names] of await textColumns(database)) {
    for (const column of names) {
      const text = sql`CAST(${sql.ref(column)} AS TEXT)`;
      const { rows } = await sql<{ n: number | string }>`
        SELECT COUNT(*) AS n FROM ${sql.table(table)} WHERE ${text} LIKE ${pattern}`.execute(database.db);
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) found[`${table}.${column}`] = n;
    }
  }
  return found;
}

/** The tables of the platform database that have a `project_id` column (at least the known ones). */
export async function projectTables(database: Database): Promise<string[]> {
  const tables: string[] = [];
  for (const [table, names] of await textColumns(database))
    if (names.includes('project_id')) tables.push(table);
  return tables.sort();
}

/** Paths under `dir` (files and folders) whose path relative to it contains `text`. */
export function pathsNaming(dir: string, text: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (relative(dir, path).includes(text)) found.push(relative(dir, path));
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return found.sort();
}

/** Redis keys containing `text` (SCAN, so a big test Redis is not blocked). */
export async function redisKeysNaming(url: string, text: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${text}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    redis.disconnect();
  }
}

/** Processes (this machine's) whose environment names `text`: a project database's SQLite child. */
export function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Whether the PostgreSQL schema and role `location` (a project database) exist. */
export async function postgresSchemaExists(databaseUrl: string, location: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: projectsDatabase(databaseUrl).url });
  await client.connect();
  try {
    const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [location]);
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [location]);
    return (schema.rowCount ?? 0) + (role.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}
