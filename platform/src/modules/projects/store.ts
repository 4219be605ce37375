import { type Kysely, sql, type Transaction } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { ActiveKey } from '../../http/auth.js';
import type { Position } from '../../lib/cursor.js';

type Db = Kysely<Schema> | Transaction<Schema>;
export type AccountRow = Schema['accounts'];
export type ProjectRow = Schema['projects'];
export type KeyRow = Schema['api_keys'];

/** Rows strictly after `position` in (created_at, id) order; row values work in SQLite and PostgreSQL. */
function after(position: Position | null) {
  return position
    ? sql<boolean>`(created_at, id) > (${position.createdAt}, ${position.id})`
    : sql<boolean>`1 = 1`;
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function firstAccount(db: Db): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
}

export async function insertAccount(db: Db, row: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
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
export async function listProjects(
  db: Db,
  accountId: string,
  position: Position | null,
  limit: number,
): Promise<ProjectRow[]> {
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

export async function insertKey(db: Db, row: KeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** `limit + 1` keys of a project after `position`, revoked ones included. */
export async function listKeys(
  db: Db,
  projectId: string,
  position: Position | null,
  limit: number,
): Promise<KeyRow[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .where(after(position))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

/** Revokes every active key of `kind` in a project; returns how many. */
export async function revokeKeys(
  db: Db,
  projectId: string,
  kind: KeyRow['kind'],
  at: string,
): Promise<number> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('project_id', '=', projectId)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findActiveKey(db: Db, hash: string): Promise<ActiveKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'kind', 'account_id', 'project_id'])
    .where('hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, kind: row.kind, accountId: row.account_id, projectId: row.project_id } : null;
}
