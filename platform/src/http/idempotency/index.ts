import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Vault } from '../../services/vault/index.js';
import { ApiError } from '../problem.js';
import * as store from './store.js';

const WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long a running first request holds its key before another request may take it over. */
export const LEASE_MS = 60_000;

/** Whose records a request's key belongs to: one credential kind's subject (a project, a user…). */
export function idempotencyScope(principal: { scheme: string; subject: string }): string {
  return `${principal.scheme}:${principal.subject}`;
}

export interface StoredResponse {
  status: number;
  /** JSON text, or null for a body-less reply */
  body: string | null;
}

export interface Idempotency {
  /**
   * Runs `execute` at most once per (scope, key) within 24 hours (API-CONVENTIONS: idempotency).
   * A replay of the same request gets the stored response; the same key with a different request
   * is `idempotency/key-reused`; a replay while the first is still running is
   * `idempotency/in-progress`. Errors are not stored, so the client may retry after one. A claim
   * whose process died is taken over once its lease has run out.
   */
  run(
    scope: string,
    key: string,
    request: string,
    execute: () => Promise<StoredResponse>,
  ): Promise<StoredResponse & { replayed: boolean }>;
}

/** Stored responses are sealed by the vault: a response may carry a secret that is shown once. */
export function createIdempotency(
  db: Kysely<store.IdempotencyTables>,
  vault: Vault,
  now: () => number = Date.now,
): Idempotency {
  const contextOf = (scope: string, key: string) => `idempotency:${scope}:${key}`;

  /** Claims the key (true), or returns the replay, or throws 409 / 422. */
  async function claimOrReplay(scope: string, key: string, requestHash: string) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = now();
      await store.deleteOlderThan(db, scope, key, new Date(at - WINDOW_MS).toISOString());
      const row = {
        scope,
        key,
        request_hash: requestHash,
        response_status: null,
        response_body: null,
        created_at: new Date(at).toISOString(),
        lease_expires_at: at + LEASE_MS,
      };
      if (await store.claim(db, row)) return null;
      const first = await store.find(db, scope, key);
      if (!first) continue; // deleted in between: claim again
      if (first.request_hash !== requestHash) {
        throw new ApiError(
          'idempotency/key-reused',
          'This Idempotency-Key was used with a different request.',
        );
      }
      if (first.response_status !== null && first.response_body !== null) {
        const text = await vault.openText(first.response_body, contextOf(scope, key));
        return { status: first.response_status, body: text === '' ? null : text };
      }
      if ((first.lease_expires_at ?? 0) <= at) {
        if (await store.takeOver(db, first, at + LEASE_MS)) return null;
        continue;
      }
      const wait = Math.max(1, Math.ceil(((first.lease_expires_at ?? at) - at) / 1000));
      throw new ApiError(
        'idempotency/in-progress',
        'The first request with this Idempotency-Key is still running.',
        {
          headers: { 'retry-after': String(Math.min(wait, 5)) },
        },
      );
    }
    throw new Error(`could not claim idempotency key ${key} after 5 attempts`);
  }

  return {
    async run(scope, key, request, execute) {
      const requestHash = createHash('sha256').update(request).digest('hex');
      const replay = await claimOrReplay(scope, key, requestHash);
      if (replay) return { ...replay, replayed: true };
      let response: StoredResponse;
      try {
        response = await execute();
      } catch (error) {
        // Only successes are remembered: after an error the same key may be retried.
        await store.release(db, scope, key);
        throw error;
      }
      const sealed = await vault.seal(response.body ?? '', contextOf(scope, key));
      await store.complete(db, scope, key, response.status, sealed);
      return { ...response, replayed: false };
    },
  };
}
