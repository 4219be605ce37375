import { type Kysely, sql } from 'kysely';
import { isoNow } from '../../lib/clock.js';
import { onePage, type Position, toPage } from '../../lib/cursor.js';

export interface ObjectRow {
  id: string;
  project_id: string;
  key: string;
  /** The object store's name for the bytes (`<projectId>/<blobId>`), new for every write. */
  blob: string;
  /** A number on SQLite, a string on PostgreSQL (bigint). */
  size_bytes: number | string;
  content_type: string;
  cache_control: string | null;
  /** JSON object of strings. */
  metadata: string;
  etag: string;
  created_at: string;
  updated_at: string;
}

/** A write in flight (upload or copy): its blob, and the quota bytes it holds. */
export interface UploadRow {
  blob: string;
  project_id: string;
  reserved_bytes: number | string;
  /** Refreshed while bytes arrive; a row older than the sweep's grace period is abandoned. */
  updated_at: string;
}

export interface StorageTables {
  storage_objects: ObjectRow;
  storage_signing_secrets: { project_id: string; secret: string; created_at: string };
  /** Bytes each project stores plus what its writes in flight have reserved. */
  storage_usage: { project_id: string; used_bytes: number | string };
  storage_uploads: UploadRow;
}

type Db = Kysely<StorageTables>;

export function findObject(db: Db, projectId: string, key: string): Promise<ObjectRow | undefined> {
  return db
    .selectFrom('storage_objects')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Inserts `row` unless its key is taken; whether it was inserted. */
export async function insertObject(db: Db, row: ObjectRow): Promise<boolean> {
  const result = await db
    .insertInto('storage_objects')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/**
 * Points the object at `row.key` to new bytes, only if it still holds `expectedBlob` (compare and
 * swap: of two writers racing on one key, one wins and the other retries against the winner).
 */
export async function replaceObject(db: Db, row: ObjectRow, expectedBlob: string): Promise<boolean> {
  const result = await db
    .updateTable('storage_objects')
    .set({
      blob: row.blob,
      size_bytes: row.size_bytes,
      content_type: row.content_type,
      cache_control: row.cache_control,
      metadata: row.metadata,
      etag: row.etag,
      updated_at: row.updated_at,
    })
    .where('project_id', '=', row.project_id)
    .where('key', '=', row.key)
    .where('blob', '=', expectedBlob)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes the object at `key` (only if it holds `blob`, when given); the deleted row. */
export async function deleteObject(
  db: Db,
  projectId: string,
  key: string,
  blob?: string,
): Promise<ObjectRow | undefined> {
  let query = db.deleteFrom('storage_objects').where('project_id', '=', projectId).where('key', '=', key);
  if (blob !== undefined) query = query.where('blob', '=', blob);
  return query.returningAll().executeTakeFirst();
}

/** One page of the project's objects whose key starts with `prefix`, in key order. */
export async function listObjects(
  db: Db,
  projectId: string,
  prefix: string,
  position: Position | null,
  limit: number,
) {
  let query = db.selectFrom('storage_objects').selectAll().where('project_id', '=', projectId);
  // A range and an exact prefix test rather than LIKE: SQLite's LIKE ignores case, and no escaping.
  if (prefix !== '') {
    query = query
      .where('key', '>=', prefix)
      .where(sql<string>`substr(key, 1, ${sql.lit([...prefix].length)})`, '=', prefix);
  }
  const rows = await onePage(query, position, limit, { columns: ['key', 'id'] }).execute();
  const page = toPage(
    rows.map((row) => ({ row, createdAt: row.key, id: row.id })),
    limit,
  );
  return { rows: page.data.map((p) => p.row), nextCursor: page.nextCursor };
}

/** Bytes the project stores in all. */
export async function usedBytes(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('storage_objects')
    .select((eb) => eb.fn.sum<number | string | null>('size_bytes').as('total'))
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

/** Creates the project's usage row (zero) unless it has one. */
export async function ensureUsage(db: Db, projectId: string): Promise<void> {
  await db
    .insertInto('storage_usage')
    .values({ project_id: projectId, used_bytes: 0 })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .execute();
}

/**
 * Adds `bytes` to the project's usage only if the total stays within `quota`: one conditional
 * UPDATE, so concurrent writers cannot both take the last room. Whether it was added.
 */
export async function reserve(db: Db, projectId: string, bytes: number, quota: number): Promise<boolean> {
  const result = await db
    .updateTable('storage_usage')
    .set((eb) => ({ used_bytes: eb('used_bytes', '+', bytes) }))
    .where('project_id', '=', projectId)
    .where((eb) => eb(eb('used_bytes', '+', bytes), '<=', quota))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Adds `delta` (negative to release) to the project's usage. */
export async function addUsage(db: Db, projectId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await db
    .updateTable('storage_usage')
    .set((eb) => ({ used_bytes: eb('used_bytes', '+', delta) }))
    .where('project_id', '=', projectId)
    .execute();
}

/** The project's usage row (stored plus reserved bytes); 0 without one. */
export async function usage(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('storage_usage')
    .select('used_bytes')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.used_bytes ?? 0);
}

export async function insertUpload(db: Db, row: UploadRow): Promise<void> {
  await db.insertInto('storage_uploads').values(row).execute();
}

/** Adds `bytes` to an upload's reservation and refreshes it; false when the sweep took it. */
export async function growUpload(db: Db, blob: string, bytes: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('storage_uploads')
    .set((eb) => ({ reserved_bytes: eb('reserved_bytes', '+', bytes), updated_at: now }))
    .where('blob', '=', blob)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes the upload's row (only if older than `before`, when given); the row removed. */
export function takeUpload(db: Db, blob: string, before?: string): Promise<UploadRow | undefined> {
  let query = db.deleteFrom('storage_uploads').where('blob', '=', blob);
  if (before !== undefined) query = query.where('updated_at', '<', before);
  return query.returningAll().executeTakeFirst();
}

/** Blobs of uploads not refreshed since `before` (their writer died or stalled). */
export async function staleUploads(db: Db, before: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('storage_uploads')
    .select('blob')
    .where('updated_at', '<', before)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.blob);
}

/**
 * Which of `blobs` a write in flight or an object still holds. Uploads are read first: a write
 * turns its upload row into an object row in one transaction, so a blob missed by the first query
 * because its write committed meanwhile is found by the second.
 */
export async function liveBlobs(db: Db, blobs: string[]): Promise<Set<string>> {
  if (blobs.length === 0) return new Set();
  const uploads = await db.selectFrom('storage_uploads').select('blob').where('blob', 'in', blobs).execute();
  const objects = await db.selectFrom('storage_objects').select('blob').where('blob', 'in', blobs).execute();
  return new Set([...uploads, ...objects].map((r) => r.blob));
}

export function findSecret(db: Db, projectId: string) {
  return db
    .selectFrom('storage_signing_secrets')
    .select('secret')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
}

/** Stores the project's signing secret unless one exists (two workers racing store one). */
export async function insertSecret(db: Db, projectId: string, secret: string): Promise<void> {
  await db
    .insertInto('storage_signing_secrets')
    .values({ project_id: projectId, secret, created_at: isoNow() })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .execute();
}
