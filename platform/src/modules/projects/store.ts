import { type Kysely, sql, type Transaction } from 'kysely';
import type { Position } from '../../lib/cursor.js';

export interface ProjectTables {
  projects: { id: string; account_id: string; name: string; created_at: string };
}
export type ProjectRow = ProjectTables['projects'];
type Db = Kysely<ProjectTables> | Transaction<ProjectTables>;

/** Rows strictly after `position` in (created_at, id) order; row values work in SQLite and PostgreSQL. */
function after(position: Position | null) {
  return position
    ? sql<boolean>`(created_at, id) > (${position.createdAt}, ${position.id})`
    : sql<boolean>`1 = 1`;
}

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
    .where(after(position))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}
