import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { ApiError } from './problem.js';

const WINDOW_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  /** not stored: a replay carries none */
  headers?: Record<string, string> | undefined;
}

/**
 * Runs `execute` at most once per (scope, key) within 24 hours (API-CONVENTIONS: idempotency).
 * A replay of the same request gets the stored response; the same key with a different request
 * is `idempotency/key-reused`; a replay while the first is still running is
 * `idempotency/in-progress`. Errors are not stored, so the client may retry after one.
 */
export async function idempotent(
  db: Kysely<Schema>,
  scope: string,
  key: string,
  request: string,
  execute: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  const requestHash = createHash('sha256').update(request).digest('hex');
  const now = Date.now();
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('created_at', '<', new Date(now - WINDOW_MS).toISOString())
    .execute();
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      scope,
      key,
      request_hash: requestHash,
      response_status: null,
      response_body: null,
      created_at: new Date(now).toISOString(),
    })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();

  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
    const first = await db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (first.request_hash !== requestHash) {
      throw new ApiError('idempotency/key-reused', 'This Idempotency-Key was used with a different request.');
    }
    if (first.response_status === null || first.response_body === null) {
      throw new ApiError(
        'idempotency/in-progress',
        'The first request with this Idempotency-Key is still running.',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return { status: first.response_status, body: first.response_body, replayed: true };
  }

  let response: StoredResponse;
  try {
    response = await execute();
  } catch (error) {
    // Only successes are remembered: after an error the same key may be retried.
    await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
    throw error;
  }
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: response.status, response_body: response.body })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
  return { ...response, replayed: false };
}
