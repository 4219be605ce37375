import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

// Signed URLs (decision 0040): an HMAC-SHA256 over method, project, key, expiry and the fields a
// signed upload fixes, keyed by a random secret per project that the vault seals at rest. A URL
// carries no credential; whoever holds it may do that one thing to that one key until it expires.

export interface SignedFields {
  method: 'GET' | 'PUT';
  projectId: string;
  key: string;
  /** Seconds since the epoch. */
  expires: number;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
}

const contextOf = (projectId: string) => `storage-signing-secret:${projectId}`;

function canonical(f: SignedFields): string {
  // Newlines cannot occur in any field (keys and header values refuse control characters).
  return [
    'aerostack-storage-v1',
    f.method,
    f.projectId,
    f.key,
    f.expires,
    f.contentType ?? '',
    f.cacheControl ?? '',
  ].join('\n');
}

export function createSigner(services: Services, now: () => number = Date.now) {
  const db = tables<store.StorageTables>(services.database);
  const secrets = createLookupCache<Buffer>({ ttlMs: 10 * 60_000, max: 10_000 });

  const load = (projectId: string) =>
    secrets.load(projectId, async () => {
      const row = await store.findSecret(db, projectId);
      return row ? services.vault.open(row.secret, contextOf(projectId)) : null;
    });

  /** The project's secret, made on first use when `create` (signing); null when it has none. */
  async function secretOf(projectId: string, create: boolean): Promise<Buffer | null> {
    const secret = await load(projectId);
    if (secret || !create) return secret;
    await store.insertSecret(db, projectId, await services.vault.seal(randomBytes(32), contextOf(projectId)));
    return load(projectId);
  }

  return {
    async sign(fields: SignedFields): Promise<string> {
      const secret = await secretOf(fields.projectId, true);
      if (!secret) throw new Error(`no storage signing secret for ${fields.projectId}`);
      return createHmac('sha256', secret).update(canonical(fields)).digest('base64url');
    },

    /** Throws `storage/invalid-signature` or `storage/url-expired` unless `signature` is good now. */
    async verify(fields: SignedFields, signature: string): Promise<void> {
      // A project that never signed a URL (or does not exist) has no secret: nothing it signed is valid.
      const secret = await secretOf(fields.projectId, false);
      const expected = secret && createHmac('sha256', secret).update(canonical(fields)).digest();
      const given = Buffer.from(signature, 'base64url');
      if (!expected || given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
        throw new ApiError(
          'storage/invalid-signature',
          'The URL was altered or not signed by this platform.',
        );
      }
      // Checked after the signature, so an expiry cannot be probed with forged URLs.
      if (now() >= fields.expires * 1000) {
        throw new ApiError(
          'storage/url-expired',
          `The URL expired at ${new Date(fields.expires * 1000).toISOString()}.`,
        );
      }
    },
  };
}
