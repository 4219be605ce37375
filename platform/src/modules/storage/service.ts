import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import type { ByteSource } from '../../http/reply/bytes.js';
import { isoNow } from '../../lib/clock.js';
import { positionOf } from '../../lib/cursor.js';
import { newId, randomBase62 } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import { checkKey } from './keys.js';
import type { ObjectStore } from './object-store.js';
import { createSigner, type SignedFields } from './signing.js';
import * as store from './store.js';
import { createLocalObjectStore } from './store-local.js';

/** An object's metadata, as the API shows it. */
export interface StorageObjectInfo {
  key: string;
  sizeBytes: number;
  contentType: string;
  etag: string;
  cacheControl: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface UploadOptions {
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  metadata?: Record<string, string> | undefined;
  /** The request's `Content-Length`, when it declared one: checked before a byte is read. */
  declaredBytes?: number | undefined;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
// A writer that loses a compare-and-swap retries against the winner; more than a few rounds on
// one key means something is wrong rather than busy.
const MAX_SWAP_ROUNDS = 20;

function infoOf(row: store.ObjectRow): StorageObjectInfo {
  return {
    key: row.key,
    sizeBytes: Number(row.size_bytes),
    contentType: row.content_type,
    etag: row.etag,
    cacheControl: row.cache_control,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function notFound(key: string): ApiError {
  return new ApiError('storage/not-found', `No object at "${key}".`);
}

/** Whether a store error says the blob is not there (deleted by a writer that replaced it). */
function isMissing(error: unknown): boolean {
  const e = error as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } };
  return e.code === 'ENOENT' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** The object store for the configuration: S3 when `S3_BUCKET` is set, else the local directory. */
export async function objectStoreFor(services: Pick<Services, 'config'>): Promise<ObjectStore> {
  const { storage, dataDir } = services.config;
  if (storage.s3) return (await import('./store-s3.js')).createS3ObjectStore(storage.s3);
  return createLocalObjectStore(storage.dir ?? join(dataDir, 'storage'));
}

export async function createStorageService(services: Services, objects?: ObjectStore) {
  const bytes = objects ?? (await objectStoreFor(services));
  const db = tables<store.StorageTables>(services.database);
  const { maxObjectBytes, quotaBytes } = services.config.storage;
  const signer = createSigner(services);

  async function find(projectId: string, key: string): Promise<store.ObjectRow> {
    checkKey(key);
    const row = await store.findObject(db, projectId, key);
    if (!row) throw notFound(key);
    return row;
  }

  /** Points `row.key` at `row.blob`, replacing whatever is there; the blob it replaced, if any. */
  async function put(row: store.ObjectRow): Promise<{ row: store.ObjectRow; replaced: string | null }> {
    for (let round = 0; round < MAX_SWAP_ROUNDS; round++) {
      const current = await store.findObject(db, row.project_id, row.key);
      if (!current) {
        if (await store.insertObject(db, row)) return { row, replaced: null };
        continue;
      }
      const next = { ...row, id: current.id, created_at: current.created_at };
      if (await store.replaceObject(db, next, current.blob)) return { row: next, replaced: current.blob };
    }
    throw new Error(`storage: too many concurrent writes to one key (${row.key})`);
  }

  /** Removes bytes no row points to any more; a failure only leaves an orphan behind. */
  function discard(blob: string | null) {
    if (blob === null) return;
    bytes.delete(blob).catch((error) => {
      services.logger.warn('storage: an unreferenced blob was not deleted', { blob, error: String(error) });
    });
  }

  const blobName = (projectId: string) => `${projectId}/${randomBase62(24)}`;

  /** `put`, dropping the freshly written blob when the row cannot take it (nothing would reference it). */
  async function committed(blob: string, row: store.ObjectRow) {
    try {
      return await put(row);
    } catch (error) {
      discard(blob);
      throw error;
    }
  }

  async function upload(
    projectId: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: UploadOptions = {},
  ): Promise<StorageObjectInfo> {
    checkKey(key);
    const tooLarge = () =>
      new ApiError('storage/object-too-large', `Objects are limited to ${maxObjectBytes} bytes.`, {
        headers: { connection: 'close' },
      });
    const overQuota = () =>
      new ApiError('storage/quota-exceeded', `The project's storage quota is ${quotaBytes} bytes.`, {
        headers: { connection: 'close' },
      });
    const declared = options.declaredBytes;
    if (declared !== undefined && declared > maxObjectBytes) throw tooLarge();
    // The quota counts what is stored now; an object this upload replaces still counts until then.
    const used = quotaBytes > 0 ? await usedBytesOf(projectId) : 0;
    if (quotaBytes > 0 && used + (declared ?? 0) > quotaBytes) throw overQuota();

    const hash = createHash('sha256');
    let size = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > maxObjectBytes) throw tooLarge();
        if (quotaBytes > 0 && used + size > quotaBytes) throw overQuota();
        hash.update(chunk);
        yield chunk;
      }
    }
    const blob = blobName(projectId);
    await bytes.write(blob, counted());
    const now = isoNow();
    const { row, replaced } = await committed(blob, {
      id: newId('obj'),
      project_id: projectId,
      key,
      blob,
      size_bytes: size,
      content_type: options.contentType || DEFAULT_CONTENT_TYPE,
      cache_control: options.cacheControl ?? null,
      metadata: JSON.stringify(options.metadata ?? {}),
      etag: `"${hash.digest('hex')}"`,
      created_at: now,
      updated_at: now,
    });
    discard(replaced);
    return infoOf(row);
  }

  async function usedBytesOf(projectId: string) {
    return store.usedBytes(db, projectId);
  }

  /** The object as a byte source for `bytesReply` (ranges read only the bytes asked for). */
  async function source(
    projectId: string,
    key: string,
  ): Promise<{ info: StorageObjectInfo; bytes: ByteSource }> {
    const row = await find(projectId, key);
    const info = infoOf(row);
    return {
      info,
      bytes: {
        contentType: info.contentType,
        size: info.sizeBytes,
        etag: info.etag,
        lastModified: new Date(info.updatedAt),
        // A writer may replace the object between the lookup and the read, and delete these bytes.
        open: (range) =>
          bytes.read(row.blob, range).catch((error) => {
            if (isMissing(error))
              throw new ApiError(
                'storage/not-found',
                `"${key}" was replaced while being read; read it again.`,
              );
            throw error;
          }),
      },
    };
  }

  return {
    objects: bytes,
    upload,
    source,
    usedBytes: usedBytesOf,

    async head(projectId: string, key: string): Promise<StorageObjectInfo> {
      return infoOf(await find(projectId, key));
    },

    async delete(projectId: string, key: string): Promise<boolean> {
      checkKey(key);
      const row = await store.deleteObject(db, projectId, key);
      if (!row) return false;
      discard(row.blob);
      return true;
    },

    async list(projectId: string, prefix: string, limit: number, cursor: string | undefined) {
      const page = await store.listObjects(db, projectId, prefix, positionOf(cursor), limit);
      return { data: page.rows.map(infoOf), nextCursor: page.nextCursor };
    },

    async copy(projectId: string, sourceKey: string, destinationKey: string): Promise<StorageObjectInfo> {
      checkKey(destinationKey);
      const from = await find(projectId, sourceKey);
      if (quotaBytes > 0 && (await usedBytesOf(projectId)) + Number(from.size_bytes) > quotaBytes) {
        throw new ApiError('storage/quota-exceeded', `The project's storage quota is ${quotaBytes} bytes.`);
      }
      const blob = blobName(projectId);
      await bytes.copy(from.blob, blob).catch((error) => {
        // The source was replaced or deleted between the lookup and the copy.
        if (isMissing(error)) throw notFound(sourceKey);
        throw error;
      });
      const now = isoNow();
      const { row, replaced } = await committed(blob, {
        ...from,
        id: newId('obj'),
        key: destinationKey,
        blob,
        created_at: now,
        updated_at: now,
      });
      discard(replaced);
      return infoOf(row);
    },

    /** Renames: the row moves, the bytes stay where they are. */
    async move(projectId: string, sourceKey: string, destinationKey: string): Promise<StorageObjectInfo> {
      checkKey(destinationKey);
      const from = await find(projectId, sourceKey);
      if (sourceKey === destinationKey) return infoOf(from);
      const now = isoNow();
      const moved = await services.database.db.transaction().execute(async (trx) => {
        const t = trx as unknown as typeof db;
        // Deleting the source first holds it: a writer racing on it finds it gone and inserts anew.
        const gone = await store.deleteObject(t, projectId, sourceKey, from.blob);
        if (!gone) return null;
        const row = { ...gone, id: newId('obj'), key: destinationKey, updated_at: now };
        const current = await store.findObject(t, projectId, destinationKey);
        if (!current) return (await store.insertObject(t, row)) ? { row, replaced: null } : undefined;
        const next = { ...row, id: current.id, created_at: current.created_at };
        return (await store.replaceObject(t, next, current.blob))
          ? { row: next, replaced: current.blob }
          : undefined;
      });
      if (moved === null) throw notFound(sourceKey);
      if (moved === undefined)
        throw new Error(`storage: the destination "${destinationKey}" changed during a move`);
      discard(moved.replaced);
      return infoOf(moved.row);
    },

    /** A signed URL's path and expiry (the caller adds the base URL). */
    async signUrl(fields: Omit<SignedFields, 'expires'> & { expiresInSeconds: number }) {
      checkKey(fields.key);
      const expires = Math.floor(Date.now() / 1000) + fields.expiresInSeconds;
      const signed = { ...fields, expires };
      const signature = await signer.sign(signed);
      const query = new URLSearchParams({ expires: String(expires), signature });
      if (fields.method === 'PUT') {
        if (fields.contentType) query.set('contentType', fields.contentType);
        if (fields.cacheControl) query.set('cacheControl', fields.cacheControl);
      }
      return {
        path: `/v1/storage/signed/${fields.projectId}/${encodeURIComponent(fields.key)}?${query}`,
        expiresAt: new Date(expires * 1000).toISOString(),
      };
    },

    verifyUrl: (fields: SignedFields, signature: string) => signer.verify(fields, signature),

    async close() {
      await bytes.close();
    },
  };
}

export type StorageService = Awaited<ReturnType<typeof createStorageService>>;
