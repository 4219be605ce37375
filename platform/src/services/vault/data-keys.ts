import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoNow } from '../../lib/clock.js';
import { decrypt, encrypt, KEY_BYTES } from './aes-gcm.js';
import { VaultError } from './errors.js';
import type { MasterKeys } from './master-keys.js';
import type { VaultTables } from './schema.js';

// Data keys (DEKs) live in the database wrapped by a master key. Their unwrapped bytes never
// change (a rotation only re-wraps them), so they are cached for the life of the process.

const wrapAad = (id: string, masterVersion: number) =>
  Buffer.from(`aerostack-vault-dek:v1:${id}:${masterVersion}`);

/** The data key sealed with the current master version: one per master version. */
export const currentDataKeyId = (masterKeys: MasterKeys) => `dek_m${masterKeys.current}`;

export interface DataKeys {
  /** The unwrapped key `id`; VaultError when it is unknown or its master key is missing. */
  get(id: string): Promise<Buffer>;
  /** The current data key, created on first need by whichever process gets there first. */
  current(): Promise<{ id: string; key: Buffer }>;
  rewrapAll(): Promise<number>;
}

export function createDataKeys(db: Kysely<VaultTables>, masterKeys: MasterKeys): DataKeys {
  const cache = new Map<string, Promise<Buffer>>();

  function unwrap(row: { id: string; master_version: number; wrapped: string }): Buffer {
    const master = masterKeys.key(row.master_version);
    const key =
      master && decrypt(master, Buffer.from(row.wrapped, 'base64url'), wrapAad(row.id, row.master_version));
    if (!key || key.length !== KEY_BYTES) {
      throw new VaultError(
        'vault/master-key-unavailable',
        master
          ? `data key ${row.id} does not unwrap with master key version ${row.master_version}: that version's key has changed`
          : `data key ${row.id} is wrapped by master key version ${row.master_version}, which is not configured`,
      );
    }
    return key;
  }

  const wrap = (id: string, key: Buffer) => ({
    master_version: masterKeys.current,
    wrapped: encrypt(masterKeys.key(masterKeys.current)!, key, wrapAad(id, masterKeys.current)).toString(
      'base64url',
    ),
  });

  const find = (id: string) =>
    db
      .selectFrom('vault_data_keys')
      .select(['id', 'master_version', 'wrapped'])
      .where('id', '=', id)
      .executeTakeFirst();

  async function load(id: string, createIfMissing: boolean): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await find(id);
      if (row) return unwrap(row);
      if (!createIfMissing) break;
      // Every process races to insert the same id; the first insert wins and everyone, the
      // losers included, reads the winner's row back on the next pass.
      await db
        .insertInto('vault_data_keys')
        .values({ id, ...wrap(id, randomBytes(KEY_BYTES)), created_at: isoNow() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    throw new VaultError('vault/unknown-data-key', `data key ${id} does not exist`);
  }

  function cached(id: string, createIfMissing: boolean): Promise<Buffer> {
    let key = cache.get(id);
    if (!key) {
      key = load(id, createIfMissing);
      cache.set(id, key);
      // A failure (a missing master key, a database hiccup) is not remembered: the next call retries.
      key.catch(() => cache.delete(id));
    }
    return key;
  }

  return {
    get: (id) => cached(id, false),

    async current() {
      const id = currentDataKeyId(masterKeys);
      return { id, key: await cached(id, true) };
    },

    async rewrapAll() {
      const rows = await db
        .selectFrom('vault_data_keys')
        .select(['id', 'master_version', 'wrapped'])
        .where('master_version', '<', masterKeys.current)
        .execute();
      // Unwrap everything first, so a missing old master key fails before anything changes.
      const keys = rows.map((row) => ({ row, key: unwrap(row) }));
      let rewrapped = 0;
      for (const { row, key } of keys) {
        // Conditional on the old version: a concurrent rotation by another process is not undone.
        const result = await db
          .updateTable('vault_data_keys')
          .set(wrap(row.id, key))
          .where('id', '=', row.id)
          .where('master_version', '=', row.master_version)
          .executeTakeFirst();
        rewrapped += Number(result.numUpdatedRows);
      }
      return rewrapped;
    },
  };
}
