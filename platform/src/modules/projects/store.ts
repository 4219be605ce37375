import type { Kysely, Transaction } from 'kysely';
import { onePage, type Position } from '../../lib/cursor.js';

export interface ProjectTables {
  projects: { id: string; account_id: string; name: string; created_at: string };
}
export type ProjectRow = ProjectTables['projects'];
type Db = Kysely<ProjectTables> | Transaction<ProjectTables>;

export async function insertProject(db: Db, row: ProjectRow): Promise<void> {
  await db.insertInto('projects').values(row).execute();
}

export async function findProject(db: Db, accountId: string, id: string): Promise<ProjectRow | undefined> {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** `limit + 1` projects after `position`, so the caller can tell whether a next page exists. */
export async function listProjects(db: Db, accountId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('account_id', '=', accountId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

/** Renames the account's project; the row as updated, undefined when it has no such project. */
export async function renameProject(db: Db, accountId: string, id: string, name: string) {
  return db
    .updateTable('projects')
    .set({ name })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the account's project row; false when it has no such project (any more). */
export async function deleteProject(db: Db, accountId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('projects')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** A row still references the project (SQLite and PostgreSQL spell it differently). */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || e.code === '23503';
}
