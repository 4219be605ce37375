import { createHash } from 'node:crypto';
import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

type SecretInfo = components['schemas']['SecretInfo'];

/** The most secrets one project's hosted code receives. */
export const MAX_SECRETS = 100;

/** The vault context a value is sealed under: it cannot be opened as another project's or name's. */
const contextOf = (projectId: string, name: string) => `hosting-secret:${projectId}:${name}`;

export const toSecretInfo = (row: { name: string; created_at: string; updated_at: string }): SecretInfo => ({
  name: row.name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * The secrets a project's workers receive in `env`, sealed by the vault and opened only when a
 * project's workers are loaded. `changed` is called after every write (the loader reloads them).
 */
export function createHostingSecrets(services: Services, changed: (projectId: string) => Promise<void>) {
  const db = tables<store.HostingTables>(services.database);
  return {
    list: (projectId: string, position: Position | null, limit: number) =>
      store.listSecrets(db, projectId, position, limit),

    async set(projectId: string, name: string, value: string): Promise<SecretInfo> {
      const now = isoNow();
      // Sealed before the transaction: the vault reads its data keys through the database, and
      // SQLite's one connection is held by an open transaction.
      const sealed = await services.vault.seal(value, contextOf(projectId, name));
      const row = await db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('hosting_secrets')
          .select('name')
          .where('project_id', '=', projectId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (!existing && (await store.countSecrets(tx, projectId)) >= MAX_SECRETS) {
          throw new ApiError(
            'hosting/limit-reached',
            `A project's hosted code receives at most ${MAX_SECRETS} secrets.`,
          );
        }
        return store.upsertSecret(tx, {
          project_id: projectId,
          name,
          value: sealed,
          created_at: now,
          updated_at: now,
        });
      });
      await changed(projectId);
      return toSecretInfo(row);
    },

    async delete(projectId: string, name: string): Promise<void> {
      if (!(await store.deleteSecret(db, projectId, name))) {
        throw new ApiError('hosting/secret-not-found', `No secret ${name} for this project's hosted code.`);
      }
      await changed(projectId);
    },

    /**
     * Every secret of the project, opened: for `env` only, never an answer or a log line; and a
     * tag that changes with every write (a hash of the sealed values, whose nonces are fresh each
     * time), '' without secrets.
     */
    async reveal(projectId: string): Promise<{ values: Record<string, string>; tag: string }> {
      const values: Record<string, string> = {};
      const rows = await store.sealedSecrets(db, projectId);
      const hash = createHash('sha256');
      for (const row of rows.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        values[row.name] = await services.vault.openText(row.value, contextOf(projectId, row.name));
        hash.update(`${row.name}\0${row.value}\0`);
      }
      return { values, tag: rows.length === 0 ? '' : hash.digest('base64url').slice(0, 16) };
    },
  };
}

export type HostingSecrets = ReturnType<typeof createHostingSecrets>;
