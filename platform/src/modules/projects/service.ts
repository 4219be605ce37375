import type { components } from '@aerostack/spec/types';
import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { credentialHint, hashCredential, newCredential } from '../../lib/credentials.js';
import { newId } from '../../lib/ids.js';
import * as store from './store.js';

type Db = Kysely<Schema> | Transaction<Schema>;
type Project = components['schemas']['Project'];
type ApiKey = components['schemas']['ApiKey'];
type ApiKeyWithSecret = components['schemas']['ApiKeyWithSecret'];
type ProjectKeyType = components['schemas']['ApiKeyType'];

export function toProject(row: store.ProjectRow): Project {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

export function toApiKey(row: store.KeyRow): ApiKey {
  if (row.kind === 'account' || !row.project_id) throw new Error(`key ${row.id} is not a project key`);
  return {
    id: row.id,
    type: row.kind,
    projectId: row.project_id,
    hint: row.hint,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Issues a key of `kind`; the returned `key` is the only time the secret exists outside a hash. */
export async function issueKey(
  db: Db,
  owner: { accountId: string; projectId: string | null },
  kind: store.KeyRow['kind'],
): Promise<{ row: store.KeyRow; key: string }> {
  const key = newCredential(kind);
  const row: store.KeyRow = {
    id: newId('key'),
    kind,
    account_id: owner.accountId,
    project_id: owner.projectId,
    hash: hashCredential(key),
    hint: credentialHint(key),
    created_at: new Date().toISOString(),
    revoked_at: null,
  };
  await store.insertKey(db, row);
  return { row, key };
}

function withSecret(issued: { row: store.KeyRow; key: string }): ApiKeyWithSecret {
  return { ...toApiKey(issued.row), revokedAt: null, key: issued.key };
}

/** Creates a project with one secret and one publishable key, atomically. */
export async function createProject(db: Kysely<Schema>, accountId: string, name: string) {
  return db.transaction().execute(async (tx) => {
    const row: store.ProjectRow = {
      id: newId('prj'),
      account_id: accountId,
      name,
      created_at: new Date().toISOString(),
    };
    await store.insertProject(tx, row);
    const owner = { accountId, projectId: row.id };
    const secretKey = withSecret(await issueKey(tx, owner, 'secret'));
    const publishableKey = withSecret(await issueKey(tx, owner, 'publishable'));
    return { project: toProject(row), secretKey, publishableKey };
  });
}

/** Revokes the project's active keys of `type` and issues a new one, atomically. */
export async function rotateKey(
  db: Kysely<Schema>,
  accountId: string,
  projectId: string,
  type: ProjectKeyType,
) {
  return db.transaction().execute(async (tx) => {
    await store.revokeKeys(tx, projectId, type, new Date().toISOString());
    return withSecret(await issueKey(tx, { accountId, projectId }, type));
  });
}
