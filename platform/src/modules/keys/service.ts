import type { components } from '@aerostack/spec/types';
import { type Db, tables } from '../../db/database.js';
import type { CredentialChecker } from '../../http/auth/credentials.js';
import type { Principal } from '../../http/auth/principal.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import {
  type CredentialKind,
  credentialHint,
  hashCredential,
  KEY_KINDS,
  newCredential,
} from './credential.js';
import * as store from './store.js';

type ApiKey = components['schemas']['ApiKey'];
type ApiKeyWithSecret = components['schemas']['ApiKeyWithSecret'];

/** The bus channel revocations travel on: every worker and node drops the keys from its cache. */
export const KEYS_REVOKED = 'keys.revoked';
/** Bound on how long another node may still accept a revoked key if the bus message is lost. */
export const KEY_CACHE_TTL_MS = 30_000;

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

function toPrincipal(key: store.ActiveKey): Principal {
  const scheme = KEY_KINDS[key.kind].scheme;
  if (key.kind === 'account')
    return { scheme, subject: key.accountId, credentialId: key.id, accountId: key.accountId };
  if (!key.projectId) throw new Error(`project key ${key.id} has no project`);
  return {
    scheme,
    subject: key.projectId,
    credentialId: key.id,
    accountId: key.accountId,
    projectId: key.projectId,
  };
}

/** API keys: issued shown once, stored as hashes, revoked everywhere on the next request. */
export function createKeyService(services: Services) {
  const db = tables<store.KeyTables>(services.database);
  const cache = createLookupCache<store.ActiveKey>({ ttlMs: KEY_CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(KEYS_REVOKED, (message) => {
    cache.invalidate((message as { hashes: string[] }).hashes);
  });

  /** Issues a key of `kind` inside `tx`; the returned `key` is the only time the secret exists outside a hash. */
  async function issue(tx: Db, owner: { accountId: string; projectId: string | null }, kind: CredentialKind) {
    const key = newCredential(kind);
    const row: store.KeyRow = {
      id: newId('key'),
      kind,
      account_id: owner.accountId,
      project_id: owner.projectId,
      hash: hashCredential(key),
      hint: credentialHint(key),
      created_at: isoNow(),
      revoked_at: null,
    };
    await store.insertKey(tables<store.KeyTables>(tx), row);
    return { row, key };
  }

  /** The live key with this plaintext credential, through the cache. */
  function findActive(credential: string) {
    const hash = hashCredential(credential);
    return cache.load(hash, () => store.findActiveKey(db, hash));
  }

  return {
    issue,
    findActive,

    withSecret(issued: { row: store.KeyRow; key: string }): ApiKeyWithSecret {
      return { ...toApiKey(issued.row), revokedAt: null, key: issued.key };
    },

    list: (projectId: string, position: Position | null, limit: number) =>
      store.listKeys(db, projectId, position, limit),

    /**
     * Revokes the project's active keys of `type` and issues a new one, atomically; answers once
     * every worker of this node has dropped the old keys from its cache.
     */
    async rotate(accountId: string, projectId: string, type: Exclude<CredentialKind, 'account'>) {
      const { hashes, issued } = await services.database.db.transaction().execute(async (tx) => {
        const revoked = await store.revokeKeys(tables<store.KeyTables>(tx), projectId, type, isoNow());
        return { hashes: revoked, issued: await issue(tx, { accountId, projectId }, type) };
      });
      cache.invalidate(hashes);
      await services.bus.publish(KEYS_REVOKED, { hashes });
      return issued;
    },

    /** The credential table rows for API keys: `ak_`, `sk_`, `pk_`. */
    checkers(): CredentialChecker[] {
      return (Object.keys(KEY_KINDS) as CredentialKind[]).map((kind) => ({
        scheme: KEY_KINDS[kind].scheme,
        prefix: KEY_KINDS[kind].prefix,
        shape: KEY_KINDS[kind].shape,
        verify: async (credential) => {
          const key = await findActive(credential);
          return key && key.kind === kind ? toPrincipal(key) : null;
        },
      }));
    },

    close() {
      unsubscribe();
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
