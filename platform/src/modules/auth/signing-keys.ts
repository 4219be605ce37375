import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { tables } from '../../db/database.js';
import { isoNow } from '../../lib/clock.js';
import { randomBase62 } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

/** The bus channel a rotation travels on: every worker and node signs with the new key next. */
export const SIGNING_KEYS_ROTATED = 'auth.signing-keys.rotated';
const CACHE_TTL_MS = 60_000;

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  projectId: string;
  privateKey: KeyObject;
}

export interface VerifyingKey {
  projectId: string;
  publicKey: KeyObject;
}

const contextOf = (row: { project_id: string; kid: string }) =>
  `auth-signing-key:${row.project_id}:${row.kid}`;

/**
 * Each project's Ed25519 signing keys (decision 0028): created on first use, the private half
 * sealed by the vault, rotated by an admin operation; retired keys stay published (JWKS) until the
 * tokens they signed have expired.
 */
export function createSigningKeys(services: Services) {
  const db = tables<store.AuthTables>(services.database);
  const current = createLookupCache<SigningKey>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  // Public keys never change, so a verifying key can stay cached as long as it is used.
  const verifying = createLookupCache<VerifyingKey>({ ttlMs: 10 * CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(SIGNING_KEYS_ROTATED, (message) => {
    current.invalidate([(message as { projectId: string }).projectId]);
  });

  async function open(row: store.SigningKeyRow): Promise<SigningKey> {
    const jwk = JSON.parse(await services.vault.openText(row.private_key, contextOf(row))) as JsonWebKey;
    return {
      kid: row.kid,
      projectId: row.project_id,
      privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
    };
  }

  async function newRow(projectId: string): Promise<store.SigningKeyRow> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = randomBase62(16);
    const jwk = publicKey.export({ format: 'jwk' });
    const publicJwk: PublicJwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: jwk.x as string,
      kid,
      alg: 'EdDSA',
      use: 'sig',
    };
    const row = { kid, project_id: projectId };
    return {
      ...row,
      public_jwk: JSON.stringify(publicJwk),
      private_key: await services.vault.seal(
        JSON.stringify(privateKey.export({ format: 'jwk' })),
        contextOf(row),
      ),
      created_at: isoNow(),
      retired_at: null,
    };
  }

  /** The project's current key, created on first use (two workers racing create one). */
  async function signingKey(projectId: string): Promise<SigningKey> {
    const key = await current.load(projectId, async () => {
      const row = await store.currentSigningKey(db, projectId);
      if (row) return open(row);
      const fresh = await newRow(projectId);
      if (await store.insertSigningKey(db, fresh)) return open(fresh);
      const winner = await store.currentSigningKey(db, projectId);
      return winner ? open(winner) : null;
    });
    if (!key) throw new Error(`no signing key for ${projectId}`);
    return key;
  }

  return {
    signingKey,

    /** The public key `kid` names, with its project; null for an unknown kid. */
    verifyingKey: (kid: string) =>
      verifying.load(kid, async () => {
        const row = await store.findSigningKey(db, kid);
        if (!row) return null;
        const jwk = JSON.parse(row.public_jwk) as JsonWebKey;
        return { projectId: row.project_id, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) };
      }),

    /** The JWKS: the current key and those retired less than `maxTokenAgeSeconds` ago. */
    async jwks(projectId: string, maxTokenAgeSeconds: number): Promise<PublicJwk[]> {
      const since = new Date(Date.now() - maxTokenAgeSeconds * 1000).toISOString();
      const rows = await store.publishedSigningKeys(db, projectId, since);
      return rows.map((row) => JSON.parse(row.public_jwk) as PublicJwk);
    },

    /** Retires the current key and makes a new one current; answers once this node signs with it. */
    async rotate(projectId: string): Promise<{ row: store.SigningKeyRow; publicKey: PublicJwk }> {
      const fresh = await newRow(projectId);
      await services.database.db.transaction().execute(async (tx) => {
        const t = tables<store.AuthTables>(tx);
        await store.retireSigningKeys(t, projectId, fresh.created_at);
        if (!(await store.insertSigningKey(t, fresh))) throw new Error('signing key rotation raced');
      });
      current.invalidate([projectId]);
      await services.bus.publish(SIGNING_KEYS_ROTATED, { projectId });
      return { row: fresh, publicKey: JSON.parse(fresh.public_jwk) as PublicJwk };
    },

    close() {
      unsubscribe();
    },
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;
