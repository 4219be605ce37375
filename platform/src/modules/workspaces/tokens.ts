import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import type { CredentialChecker } from '../../http/auth/credentials.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import { hashCredential } from '../keys/credential.js';
import type { Audit } from './audit.js';
import * as store from './store.js';
import { newToken, TOKEN_PREFIX, TOKEN_SCHEME, TOKEN_SHAPE, tokenHint } from './token.js';

type WorkspaceToken = components['schemas']['WorkspaceToken'];

/** The bus channel token revocations travel on: every worker and node drops them from its cache. */
export const TOKENS_REVOKED = 'workspaces.tokens-revoked';
/** Bound on how long another node may still accept a revoked token if the bus message is lost. */
export const TOKEN_CACHE_TTL_MS = 30_000;
// A PostgreSQL NOTIFY carries < 8000 bytes: a workspace with many tokens is announced in batches.
const HASHES_PER_MESSAGE = 50;

export function toWorkspaceToken(row: store.TokenRow & { role: WorkspaceToken['role'] }): WorkspaceToken {
  return {
    id: row.id,
    memberId: row.member_id,
    name: row.name,
    hint: row.hint,
    role: row.role,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

const isExpired = (token: store.ActiveToken, now: number) =>
  token.expiresAt !== null && Date.parse(token.expiresAt) <= now;

function toPrincipal(token: store.ActiveToken): Principal {
  return {
    scheme: TOKEN_SCHEME,
    // Idempotency keys are scoped per member: two admins' keys never collide.
    subject: token.memberId,
    credentialId: token.id,
    workspaceId: token.workspaceId,
    memberId: token.memberId,
    role: token.role,
  };
}

/**
 * Member tokens (`mwt_`): shown once, stored as SHA-256, verified through a per-worker cache that
 * every revocation, role change, member removal and workspace deletion empties on every worker
 * and node. Expiry is checked on every verification, cached or not.
 */
export function createTokens(services: Services, audit: Audit) {
  const db = tables<store.WorkspacesTables>(services.database);
  const cache = createLookupCache<store.ActiveToken>({ ttlMs: TOKEN_CACHE_TTL_MS, max: 50_000 });
  const unsubscribe = services.bus.subscribe(TOKENS_REVOKED, (message) => {
    cache.invalidate((message as { hashes: string[] }).hashes);
  });

  /** Drops `hashes` from every worker's and node's cache; answers once this node's workers have. */
  async function forget(hashes: string[]): Promise<void> {
    cache.invalidate(hashes);
    for (let i = 0; i < hashes.length; i += HASHES_PER_MESSAGE) {
      await services.bus.publish(TOKENS_REVOKED, { hashes: hashes.slice(i, i + HASHES_PER_MESSAGE) });
    }
  }

  async function verify(credential: string): Promise<Principal | null> {
    const hash = hashCredential(credential);
    const token = await cache.load(hash, () => store.findActiveToken(db, hash));
    return token && !isExpired(token, Date.now()) ? toPrincipal(token) : null;
  }

  return {
    forget,

    checker(): CredentialChecker {
      return { scheme: TOKEN_SCHEME, prefix: TOKEN_PREFIX, shape: TOKEN_SHAPE, verify };
    },

    list: (workspaceId: string, position: Position | null, limit: number) =>
      store.listTokens(db, workspaceId, position, limit),

    /** Issues a token to a member; the returned `secret` is the only time it exists outside a hash. */
    async create(
      actor: Principal,
      workspaceId: string,
      input: { memberId: string; name?: string | null; expiresAt?: string | null },
    ) {
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new ApiError(
          'workspaces/invalid-expiry',
          `expiresAt (${input.expiresAt}) is not in the future.`,
        );
      }
      const secret = newToken();
      const row: store.TokenRow = {
        id: newId('wtk'),
        workspace_id: workspaceId,
        member_id: input.memberId,
        name: input.name ?? null,
        hash: hashCredential(secret),
        hint: tokenHint(secret),
        expires_at: expiresAt?.toISOString() ?? null,
        created_at: isoNow(),
        revoked_at: null,
      };
      const token = await db.transaction().execute(async (tx) => {
        const member = await store.findMember(tx, workspaceId, input.memberId);
        if (!member) throw memberNotFound(input.memberId);
        await store.insertToken(tx, row);
        await audit.record(
          {
            workspaceId,
            actor,
            action: 'token.created',
            target: row.id,
            details: { memberId: row.member_id, name: row.name, expiresAt: row.expires_at },
          },
          tx,
        );
        return toWorkspaceToken({ ...row, role: member.role });
      });
      return { token, secret };
    },

    /** Revokes a token everywhere before answering; revoking a revoked token changes nothing. */
    async revoke(actor: Principal, workspaceId: string, tokenId: string): Promise<void> {
      const revoked = await db.transaction().execute(async (tx) => {
        const token = await store.findToken(tx, workspaceId, tokenId);
        if (!token)
          throw new ApiError('workspaces/token-not-found', `No token ${tokenId} in this workspace.`);
        if (!(await store.revokeToken(tx, tokenId, isoNow()))) return null;
        await audit.record(
          {
            workspaceId,
            actor,
            action: 'token.revoked',
            target: tokenId,
            details: { memberId: token.member_id },
          },
          tx,
        );
        return token.hash;
      });
      if (revoked) await forget([revoked]);
    },

    close: unsubscribe,
  };
}

export const memberNotFound = (memberId: string) =>
  new ApiError('workspaces/member-not-found', `No member ${memberId} in this workspace.`);

export type Tokens = ReturnType<typeof createTokens>;
