import type { Kysely, Transaction } from 'kysely';
import { onePage, type Position } from '../../lib/cursor.js';
import type { CredentialKind } from './credential.js';

export interface KeyTables {
  api_keys: {
    id: string;
    kind: CredentialKind;
    account_id: string;
    project_id: string | null;
    hash: string;
    hint: string;
    created_at: string;
    revoked_at: string | null;
  };
}
export type KeyRow = KeyTables['api_keys'];
type Db = Kysely<KeyTables> | Transaction<KeyTables>;

/** An active (not revoked) key, as authentication needs it. */
export interface ActiveKey {
  id: string;
  kind: CredentialKind;
  accountId: string;
  projectId: string | null;
}

export async function insertKey(db: Db, row: KeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** `limit + 1` keys of a project after `position`, revoked ones included. */
export async function listKeys(db: Db, projectId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

/** Revokes every active key of `kind` in a project; returns their hashes. */
export async function revokeKeys(
  db: Db,
  projectId: string,
  kind: KeyRow['kind'],
  at: string,
): Promise<string[]> {
  const rows = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('project_id', '=', projectId)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .returning('hash')
    .execute();
  return rows.map((r) => r.hash);
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
