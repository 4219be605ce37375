import type { Kysely } from 'kysely';

export interface IdempotencyTables {
  idempotency_keys: {
    scope: string;
    key: string;
    request_hash: string;
    /** null while the first request is running */
    response_status: number | null;
    /** the response body, sealed by the vault (it may hold a secret shown once) */
    response_body: string | null;
    created_at: string;
    /** epoch ms until which the claim of a running request holds; null once answered */
    lease_expires_at: number | null;
  };
}

export type IdempotencyRow = IdempotencyTables['idempotency_keys'];
type Db = Kysely<IdempotencyTables>;

export async function deleteOlderThan(db: Db, scope: string, key: string, createdBefore: string) {
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('created_at', '<', createdBefore)
    .execute();
}

/** Inserts the claim; false when a row for (scope, key) already exists. */
export async function claim(db: Db, row: IdempotencyRow): Promise<boolean> {
  const result = await db
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function find(db: Db, scope: string, key: string): Promise<IdempotencyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Takes over a claim whose lease ran out (its process died); false when someone else did first. */
export async function takeOver(db: Db, stale: IdempotencyRow, leaseExpiresAt: number): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({ lease_expires_at: leaseExpiresAt })
    .where('scope', '=', stale.scope)
    .where('key', '=', stale.key)
    .where('response_status', 'is', null)
    .where('lease_expires_at', '=', stale.lease_expires_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function complete(db: Db, scope: string, key: string, status: number, sealedBody: string) {
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: status, response_body: sealedBody, lease_expires_at: null })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
}

export async function release(db: Db, scope: string, key: string) {
  await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
}

/** Deletes every record of these scopes (their owner is gone; decision 0048). */
export async function deleteScopes(db: Db, scopes: string[]): Promise<void> {
  if (scopes.length === 0) return;
  await db.deleteFrom('idempotency_keys').where('scope', 'in', scopes).execute();
}
