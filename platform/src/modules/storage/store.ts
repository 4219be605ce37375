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

export interface StorageTables {
  storage_objects: ObjectRow;
  storage_signing_secrets: { project_id: string; secret: string; created_at: string };
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
