import type { Kysely } from 'kysely';
import { decrypt, encrypt } from './aes-gcm.js';
import { createDataKeys } from './data-keys.js';
import { VaultError } from './errors.js';
import type { MasterKeys } from './master-keys.js';
import type { VaultTables } from './schema.js';

/**
 * Envelope encryption for secrets at rest (decision 0020). A sealed value is bound to its
 * `context`, e.g. `workspace-secret:wsp_1:OPENAI_API_KEY`: opened under any other context, or
 * altered in any way, it fails with `VaultError`.
 */
export interface Vault {
  /** Encrypts `plaintext` (UTF-8 text or bytes) as `v1.<dekId>.<base64url(iv‖ciphertext‖tag)>`. */
  seal(plaintext: string | Uint8Array, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<Buffer>;
  openText(sealed: string, context: string): Promise<string>;
  /** Re-wraps every data key under the current master version; older versions can then go. */
  rotate(): Promise<{ rewrapped: number }>;
}

const FORMAT = 'v1';
const SEALED = /^v1\.(dek_[A-Za-z0-9]{1,64})\.([A-Za-z0-9_-]+)$/;

// The format version and data key id are authenticated with the context, so no part of a sealed
// value can be swapped without failing. The id has no ':' and comes first: the string is unambiguous.
const aadOf = (dekId: string, context: string) =>
  Buffer.from(`aerostack-vault:${FORMAT}:${dekId}:${context}`);

/** `db` is the platform's database (any schema that includes `VaultTables`), migrated. */
export function createVault<DB extends VaultTables>(options: {
  db: Kysely<DB>;
  masterKeys: MasterKeys;
}): Vault {
  // Kysely's database type is invariant: narrow it to the one table the vault touches.
  const dataKeys = createDataKeys(options.db as unknown as Kysely<VaultTables>, options.masterKeys);

  async function open(sealed: string, context: string): Promise<Buffer> {
    const match = typeof sealed === 'string' ? SEALED.exec(sealed) : null;
    if (!match)
      throw new VaultError('vault/malformed', 'not a sealed value (expected v1.<dataKeyId>.<data>)');
    const [, dekId, data] = match as unknown as [string, string, string];
    const plaintext = decrypt(
      await dataKeys.get(dekId),
      Buffer.from(data, 'base64url'),
      aadOf(dekId, context),
    );
    if (!plaintext) {
      throw new VaultError('vault/cannot-open', 'the sealed value was altered or belongs to another context');
    }
    return plaintext;
  }

  return {
    async seal(plaintext, context) {
      const { id, key } = await dataKeys.current();
      const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
      return `${FORMAT}.${id}.${encrypt(key, bytes, aadOf(id, context)).toString('base64url')}`;
    },
    open,
    openText: async (sealed, context) => (await open(sealed, context)).toString('utf8'),
    rotate: async () => ({ rewrapped: await dataKeys.rewrapAll() }),
  };
}
