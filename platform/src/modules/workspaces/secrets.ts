import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import type { Audit } from './audit.js';
import * as store from './store.js';

type SecretInfo = components['schemas']['SecretInfo'];

/** The bus channel a secret change travels on: every worker and node drops the workspace's secrets. */
export const SECRETS_CHANGED = 'workspaces.secrets-changed';
const CACHE_TTL_MS = 30_000;
/** The most secrets one workspace holds (each at most `MAX_SECRET_BYTES`). */
export const MAX_SECRETS = 100;
export const MAX_SECRET_BYTES = 16 * 1024;

/** The vault context a value is sealed under: it cannot be opened as another workspace's or name's. */
const contextOf = (workspaceId: string, name: string) => `workspace-secret:${workspaceId}:${name}`;

export function toSecretInfo(row: Pick<store.SecretRow, 'name' | 'created_at' | 'updated_at'>): SecretInfo {
  return { name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

/**
 * Workspace secrets, sealed by the vault and opened only for the gateway (`reveal`). The gateway
 * asks on every call, so the sealed rows of a workspace are cached per worker (never the opened
 * values) and dropped on every worker and node when a secret changes.
 */
export function createSecrets(services: Services, audit: Audit) {
  const db = tables<store.WorkspacesTables>(services.database);
  const sealed = createLookupCache<Map<string, string>>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(SECRETS_CHANGED, (message) => {
    sealed.invalidate([(message as { workspaceId: string }).workspaceId]);
  });

  /** Drops the workspace's sealed secrets from every worker's and node's cache. */
  async function changed(workspaceId: string): Promise<void> {
    sealed.invalidate([workspaceId]);
    await services.bus.publish(SECRETS_CHANGED, { workspaceId });
  }

  return {
    changed,

    list: (workspaceId: string, position: Position | null, limit: number) =>
      store.listSecrets(db, workspaceId, position, limit),

    async set(actor: Principal, workspaceId: string, name: string, value: string): Promise<SecretInfo> {
      if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
        throw new ApiError(
          'workspaces/secret-too-large',
          `The value of ${name} is longer than 16 KiB in UTF-8.`,
        );
      }
      const now = isoNow();
      // Sealed before the transaction: the vault reads its data keys through the database, and
      // SQLite's one connection is held by an open transaction.
      const sealedValue = await services.vault.seal(value, contextOf(workspaceId, name));
      const row = await db.transaction().execute(async (tx) => {
        if (
          (await store.countSecrets(tx, workspaceId)) >= MAX_SECRETS &&
          !(await store.secretExists(tx, workspaceId, name))
        ) {
          throw new ApiError('workspaces/limit-reached', `A workspace holds at most ${MAX_SECRETS} secrets.`);
        }
        const saved = await store.upsertSecret(tx, {
          workspace_id: workspaceId,
          name,
          value: sealedValue,
          created_at: now,
          updated_at: now,
        });
        await audit.record({ workspaceId, actor, action: 'secret.set', target: name }, tx);
        return saved;
      });
      await changed(workspaceId);
      return toSecretInfo(row);
    },

    async delete(actor: Principal, workspaceId: string, name: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (!(await store.deleteSecret(tx, workspaceId, name))) {
          throw new ApiError('workspaces/secret-not-found', `No secret ${name} in this workspace.`);
        }
        await audit.record({ workspaceId, actor, action: 'secret.deleted', target: name }, tx);
      });
      await changed(workspaceId);
    },

    /** The plaintext values of the workspace's secrets named in `names` (missing names are left out). */
    async reveal(workspaceId: string, names: readonly string[]): Promise<Map<string, string>> {
      const values = new Map<string, string>();
      if (names.length === 0) return values;
      const all = await sealed.load(
        workspaceId,
        async () => new Map((await store.sealedSecrets(db, workspaceId)).map((r) => [r.name, r.value])),
      );
      for (const name of names) {
        const value = all?.get(name);
        if (value !== undefined)
          values.set(name, await services.vault.openText(value, contextOf(workspaceId, name)));
      }
      return values;
    },

    close: unsubscribe,
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
