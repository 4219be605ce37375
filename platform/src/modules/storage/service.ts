import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { advisoryLock } from '../../db/advisory-lock.js';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import type { ByteSource } from '../../http/reply/bytes.js';
import { isoNow } from '../../lib/clock.js';
import { positionOf } from '../../lib/cursor.js';
import { newId, randomBase62 } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import { checkKey } from './keys.js';
import type { Leftover, ObjectStore } from './object-store.js';
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
  declaredBytes?: number | null | undefined;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
// A writer that loses a compare-and-swap retries against the winner; more than a few rounds on
// one key means something is wrong rather than busy.
const MAX_SWAP_ROUNDS = 20;
// A body of unknown length reserves quota in steps of this much (or what it needs, near the quota).
const RESERVE_STEP = 8 * 1024 * 1024;
// The sweep asks the database about this many of the store's names at a time.
const SWEEP_BATCH = 200;

/** A write in flight: its blob (registered, so the sweep leaves it alone) and the quota it holds. */
interface Pending {
  projectId: string;
  blob: string;
  reserved: number;
  /** When its row was last refreshed (ms). */
  refreshedAt: number;
}

/** The sweep took a write's row: it stalled past the grace period (answered storage/upload-stalled). */
class AbandonedWrite extends Error {}

/** The quota has no room for a reservation (rolls back the transaction that tried). */
class NoRoom extends Error {}

/** A copy's source changed between the copy of its bytes and the commit: the copy starts again. */
class SourceChanged extends Error {}

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
  const { maxObjectBytes, quotaBytes, sweepIntervalSeconds, orphanGraceSeconds } = services.config.storage;
  const graceMs = orphanGraceSeconds * 1000;
  // A write in flight refreshes its row this often, well inside the grace period.
  const refreshMs = Math.max(graceMs / 4, 1000);
  const signer = createSigner(services);

  type Tx = typeof db;
  const transaction = <T>(work: (t: Tx) => Promise<T>): Promise<T> =>
    services.database.db.transaction().execute((trx) => work(trx as unknown as Tx));

  // An upload refused before its body is read: the rest of the body is not read either, so the
  // connection cannot carry another request.
  const tooLarge = () =>
    new ApiError('storage/object-too-large', `Objects are limited to ${maxObjectBytes} bytes.`, {
      headers: { connection: 'close' },
    });
  const overQuota = (unreadBody: boolean) =>
    new ApiError(
      'storage/quota-exceeded',
      `The project's storage quota is ${quotaBytes} bytes.`,
      unreadBody ? { headers: { connection: 'close' } } : {},
    );

  async function find(projectId: string, key: string): Promise<store.ObjectRow> {
    checkKey(key);
    const row = await store.findObject(db, projectId, key);
    if (!row) throw notFound(key);
    return row;
  }

  /** Points `row.key` at `row.blob`, replacing whatever is there; the row it replaced, if any. */
  async function put(
    t: Tx,
    row: store.ObjectRow,
  ): Promise<{ row: store.ObjectRow; replaced: store.ObjectRow | null }> {
    for (let round = 0; round < MAX_SWAP_ROUNDS; round++) {
      const current = await store.findObject(t, row.project_id, row.key);
      if (!current) {
        if (await store.insertObject(t, row)) return { row, replaced: null };
        continue;
      }
      const next = { ...row, id: current.id, created_at: current.created_at };
      if (await store.replaceObject(t, next, current.blob)) return { row: next, replaced: current };
    }
    throw new Error(`storage: too many concurrent writes to one key (${row.key})`);
  }

  /** Removes bytes no row points to any more; a failure only leaves an orphan for the sweep. */
  function discard(blob: string | null) {
    if (blob === null) return;
    bytes.delete(blob).catch((error) => {
      services.logger.warn('storage: an unreferenced blob was not deleted', { blob, error: String(error) });
    });
  }

  const blobName = (projectId: string) => `${projectId}/${randomBase62(24)}`;

  /**
   * Makes the writes that read one key and write another (moves, copies) take turns on the keys
   * they share, whichever way they go: taken first in their transaction, in one order (decision 0046).
   */
  const lockKeys = (t: Tx, projectId: string, ...keys: string[]) =>
    advisoryLock(t, services.database.dialect, ...keys.map((key) => `storage:${projectId}:${key}`));

  /**
   * Registers a write of a new blob (the sweep leaves registered blobs alone) holding `reserve`
   * bytes of the quota, taken by one conditional UPDATE: `refusal` when they do not fit.
   */
  async function begin(projectId: string, reserve: number, refusal: () => ApiError): Promise<Pending> {
    const pending: Pending = {
      projectId,
      blob: blobName(projectId),
      reserved: quotaBytes > 0 ? reserve : 0,
      refreshedAt: Date.now(),
    };
    const registered = await transaction(async (t) => {
      await store.ensureUsage(t, projectId);
      if (pending.reserved > 0 && !(await store.reserve(t, projectId, pending.reserved, quotaBytes)))
        return false;
      await store.insertUpload(t, {
        blob: pending.blob,
        project_id: projectId,
        reserved_bytes: pending.reserved,
        updated_at: isoNow(),
      });
      return true;
    });
    if (!registered) throw refusal();
    return pending;
  }

  /** Makes `pending` hold at least `size` bytes of the quota (a step more while there is room). */
  async function grow(pending: Pending, size: number): Promise<void> {
    const need = size - pending.reserved;
    for (const amount of need < RESERVE_STEP ? [RESERVE_STEP, need] : [need]) {
      const held = await transaction(async (t) => {
        // The upload's row before the usage row: every writer takes them in this order.
        if (!(await store.growUpload(t, pending.blob, amount, isoNow()))) throw new AbandonedWrite();
        if (!(await store.reserve(t, pending.projectId, amount, quotaBytes))) throw new NoRoom();
        return true;
      }).catch((error: unknown) => {
        if (error instanceof NoRoom) return false;
        throw error;
      });
      if (held) {
        pending.reserved += amount;
        pending.refreshedAt = Date.now();
        return;
      }
    }
    throw overQuota(true);
  }

  /** Tells the sweep that `pending` is alive. */
  async function refresh(pending: Pending): Promise<void> {
    pending.refreshedAt = Date.now();
    if (!(await store.growUpload(db, pending.blob, 0, isoNow()))) throw new AbandonedWrite();
  }

  /**
   * Turns the write's registration into the object's row in one transaction, and its reservation
   * into the object's size (less what the object it replaces held). `check` runs first in it.
   */
  async function commit(
    pending: Pending,
    row: store.ObjectRow,
    check?: (t: Tx) => Promise<void>,
  ): Promise<store.ObjectRow> {
    const { row: stored, replaced } = await transaction(async (t) => {
      await check?.(t);
      const upload = await store.takeUpload(t, pending.blob);
      if (!upload) throw new AbandonedWrite();
      const done = await put(t, row);
      const freed = Number(upload.reserved_bytes) + Number(done.replaced?.size_bytes ?? 0);
      await store.addUsage(t, pending.projectId, Number(row.size_bytes) - freed);
      return done;
    });
    discard(replaced?.blob ?? null);
    return stored;
  }

  /**
   * Gives back what a failed write held: its registration, its quota and any bytes it wrote.
   * Whether the sweep had taken the registration already (the write stalled past the grace period).
   */
  async function release(pending: Pending): Promise<boolean> {
    const swept = await transaction(async (t) => {
      const upload = await store.takeUpload(t, pending.blob);
      if (upload) await store.addUsage(t, pending.projectId, -Number(upload.reserved_bytes));
      return !upload;
    }).catch((error) => {
      // Left to the sweep, which releases registrations that stopped being refreshed.
      services.logger.warn('storage: a failed write was not released', { error: String(error) });
      return false;
    });
    discard(pending.blob);
    return swept;
  }

  /**
   * Writes `pending.blob` with `work`, then commits the row `rowOf` makes (after `check`, in the
   * commit's transaction); undone on any failure.
   */
  async function write(
    pending: Pending,
    work: () => Promise<void>,
    rowOf: () => store.ObjectRow,
    check?: (t: Tx) => Promise<void>,
  ): Promise<store.ObjectRow> {
    try {
      await work();
      return await commit(pending, rowOf(), check);
    } catch (error) {
      const swept = await release(pending);
      // The sweep removed its bytes under it: whatever failed then (a rename, a part) is a consequence.
      if (swept && !(error instanceof ApiError))
        throw new ApiError(
          'storage/upload-stalled',
          `The upload made no progress for about ${orphanGraceSeconds} s and was given up; send it again.`,
        );
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
    const declared = options.declaredBytes ?? null;
    // A declared length is checked before a byte is read or stored, and reserved whole.
    if (declared !== null && declared > maxObjectBytes) throw tooLarge();
    const pending = await begin(projectId, declared ?? 0, () => overQuota(true));

    const hash = createHash('sha256');
    let size = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        if (size > maxObjectBytes) throw tooLarge();
        if (quotaBytes > 0 && size > pending.reserved) await grow(pending, size);
        else if (Date.now() - pending.refreshedAt > refreshMs) await refresh(pending);
        hash.update(chunk);
        yield chunk;
      }
    }
    const row = await write(
      pending,
      () => bytes.write(pending.blob, counted()),
      () => {
        const now = isoNow();
        return {
          id: newId('obj'),
          project_id: projectId,
          key,
          blob: pending.blob,
          size_bytes: size,
          content_type: options.contentType || DEFAULT_CONTENT_TYPE,
          cache_control: options.cacheControl ?? null,
          metadata: JSON.stringify(options.metadata ?? {}),
          etag: `"${hash.digest('hex')}"`,
          created_at: now,
          updated_at: now,
        };
      },
    );
    return infoOf(row);
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

  /**
   * Removes what crashed or stalled writes left, once older than the grace period: registrations
   * no longer refreshed (their quota is given back, their bytes deleted), then whatever the store
   * holds that no row does: blobs, temp files, open multipart uploads. `at` is the sweep's "now".
   */
  async function sweep(at = Date.now()): Promise<{ abandoned: number; removed: number }> {
    const before = new Date(at - graceMs);
    const cutoff = before.toISOString();
    let abandoned = 0;
    for (;;) {
      const blobs = await store.staleUploads(db, cutoff, SWEEP_BATCH);
      for (const blob of blobs) {
        const taken = await transaction(async (t) => {
          const upload = await store.takeUpload(t, blob, cutoff);
          if (upload) await store.addUsage(t, upload.project_id, -Number(upload.reserved_bytes));
          return upload;
        });
        if (!taken) continue;
        abandoned++;
        await bytes.delete(blob);
      }
      if (blobs.length < SWEEP_BATCH) break;
    }
    let removed = 0;
    let batch: Leftover[] = [];
    const drop = async () => {
      const live = await store.liveBlobs(
        db,
        batch.map((leftover) => leftover.name),
      );
      for (const leftover of batch) {
        if (live.has(leftover.name)) continue;
        await leftover.remove();
        removed++;
      }
      batch = [];
    };
    // Listed before the rows are read: a blob listed as old was registered before it was written.
    for await (const leftover of bytes.leftovers(before)) {
      batch.push(leftover);
      if (batch.length === SWEEP_BATCH) await drop();
    }
    await drop();
    return { abandoned, removed };
  }

  /**
   * Copies the bytes the source holds now, then commits the copy only if the source still holds
   * them (else SourceChanged): the copy then reads as if made at its commit, which a crossing write
   * cannot slip between.
   */
  async function copyOnce(projectId: string, sourceKey: string, destinationKey: string) {
    const from = await find(projectId, sourceKey);
    const pending = await begin(projectId, Number(from.size_bytes), () => overQuota(false));
    return write(
      pending,
      () =>
        bytes.copy(from.blob, pending.blob).catch((error) => {
          // The source was replaced or deleted between the lookup and the copy.
          if (isMissing(error)) throw new SourceChanged();
          throw error;
        }),
      () => {
        const now = isoNow();
        return {
          ...from,
          id: newId('obj'),
          key: destinationKey,
          blob: pending.blob,
          created_at: now,
          updated_at: now,
        };
      },
      async (t) => {
        await lockKeys(t, projectId, sourceKey, destinationKey);
        if ((await store.findObject(t, projectId, sourceKey))?.blob !== from.blob) throw new SourceChanged();
      },
    );
  }

  // At boot and then periodically; in multi-process mode one worker sweeps (the others would
  // repeat its work), and a sweep never overlaps the previous one.
  let sweeping: Promise<void> | null = null;
  const sweepNow = () => {
    sweeping ??= sweep()
      .then(
        (swept) => {
          if (swept.abandoned + swept.removed > 0) services.logger.info('storage: swept leftovers', swept);
        },
        (error) => services.logger.error('storage: the orphan sweep failed', { error: String(error) }),
      )
      .finally(() => {
        sweeping = null;
      });
  };
  const sweeper =
    sweepIntervalSeconds > 0 && (services.workerId === null || services.workerId === 1)
      ? setInterval(sweepNow, sweepIntervalSeconds * 1000)
      : undefined;
  sweeper?.unref();
  if (sweeper) sweepNow();

  return {
    objects: bytes,
    upload,
    source,
    sweep,
    /** Bytes the project's objects hold. */
    storedBytes: (projectId: string) => store.usedBytes(db, projectId),
    /** What counts against the quota: stored bytes plus what writes in flight reserved. */
    usedBytes: (projectId: string) => store.usage(db, projectId),

    async head(projectId: string, key: string): Promise<StorageObjectInfo> {
      return infoOf(await find(projectId, key));
    },

    async delete(projectId: string, key: string): Promise<boolean> {
      checkKey(key);
      const row = await transaction(async (t) => {
        const gone = await store.deleteObject(t, projectId, key);
        if (gone) await store.addUsage(t, projectId, -Number(gone.size_bytes));
        return gone;
      });
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
      for (let round = 0; round < MAX_SWAP_ROUNDS; round++) {
        const copied = await copyOnce(projectId, sourceKey, destinationKey).catch((error: unknown) => {
          if (error instanceof SourceChanged) return null;
          throw error;
        });
        if (copied) return infoOf(copied);
      }
      throw new Error(`storage: too many concurrent writes to the source of a copy (${sourceKey})`);
    },

    /** Renames: the row moves, the bytes stay where they are. */
    async move(projectId: string, sourceKey: string, destinationKey: string): Promise<StorageObjectInfo> {
      checkKey(destinationKey);
      if (sourceKey === destinationKey) return infoOf(await find(projectId, sourceKey));
      checkKey(sourceKey);
      const now = isoNow();
      const moved = await transaction(async (t) => {
        await lockKeys(t, projectId, sourceKey, destinationKey);
        const gone = await store.deleteObject(t, projectId, sourceKey);
        if (!gone) return null;
        const done = await put(t, { ...gone, id: newId('obj'), key: destinationKey, updated_at: now });
        if (done.replaced) await store.addUsage(t, projectId, -Number(done.replaced.size_bytes));
        return done;
      });
      if (!moved) throw notFound(sourceKey);
      discard(moved.replaced?.blob ?? null);
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
      clearInterval(sweeper);
      await sweeping;
      await bytes.close();
    },
  };
}

export type StorageService = Awaited<ReturnType<typeof createStorageService>>;
