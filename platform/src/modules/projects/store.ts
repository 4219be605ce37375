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
