import { type Kysely, sql, type Transaction } from 'kysely';
import { onePage, type Position } from '../../../lib/cursor.js';
import type { HostingTables } from '../store.js';

export interface CatalogTables {
  hosting_catalog: {
    project_id: string;
    worker: string;
    slug: string;
    deployment_id: string;
    /** JSON: the validated `aerostack.json`. */
    info: string;
    /** JSON: the `[vars]` names in order. */
    config_schema: string;
    /** JSON: CatalogTool[]. */
    tools: string;
    /** JSON: CapabilityManifest. */
    manifest: string;
    manifest_source: 'ai' | 'heuristic';
    refreshed_at: string;
    /** Epoch ms (bigint: PostgreSQL answers it as text). */
    refresh_due: number | string;
    refresh_failures: number;
    /** 1 or 0. */
    refresh_paused: number;
    refresh_error: string | null;
    created_at: string;
    updated_at: string;
  };
}
export type CatalogRow = CatalogTables['hosting_catalog'];
/** What an entry is (decision 0053): the kind of the deployment it describes. */
export type CatalogKind = 'mcp-server' | 'skill';
/** An entry as the API shows it: the row and its kind. */
export type CatalogEntryRow = CatalogRow & { kind: CatalogKind };
type Db = Kysely<CatalogTables> | Transaction<CatalogTables>;
type ReadDb = Kysely<CatalogTables & Pick<HostingTables, 'hosting_deployments'>>;

/**
 * Entries with their kind, read from the deployment each one describes (stored with it in the
 * deploy's transaction and deleted only with the worker, which deletes the entry too).
 */
function withKind(db: ReadDb, projectId: string) {
  return db
    .selectFrom('hosting_catalog as c')
    .innerJoin('hosting_deployments as d', 'd.id', 'c.deployment_id')
    .selectAll('c')
    .select(sql<CatalogKind>`d.kind`.as('kind'))
    .where('c.project_id', '=', projectId);
}

/** The entry under `slug`, with its kind. */
export function entryBySlug(
  db: ReadDb,
  projectId: string,
  slug: string,
): Promise<CatalogEntryRow | undefined> {
  return withKind(db, projectId).where('c.slug', '=', slug).executeTakeFirst();
}

/** `limit + 1` entries (of `kind` when given) after `position` (whose `id` is the slug), oldest first. */
export function list(
  db: ReadDb,
  projectId: string,
  kind: CatalogKind | undefined,
  position: Position | null,
  limit: number,
): Promise<CatalogEntryRow[]> {
  return withKind(db, projectId)
    .$if(kind !== undefined, (q) => q.where('d.kind', '=', kind as CatalogKind))
    .$call((q) => onePage(q, position, limit, { columns: ['c.created_at', 'c.slug'] }))
    .execute();
}

/** A unique index refused the write, on SQLite and PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function getBySlug(db: Db, projectId: string, slug: string) {
  return db
    .selectFrom('hosting_catalog')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('slug', '=', slug)
    .executeTakeFirst();
}

export function getByWorker(db: Db, projectId: string, worker: string) {
  return db
    .selectFrom('hosting_catalog')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('worker', '=', worker)
    .executeTakeFirst();
}

/** Creates the worker's entry or replaces it (a deploy: the refresh starts afresh). */
export async function upsert(db: Db, row: CatalogRow): Promise<void> {
  const { project_id: _p, worker: _w, created_at: _c, ...changes } = row;
  await db
    .insertInto('hosting_catalog')
    .values(row)
    .onConflict((c) => c.columns(['project_id', 'worker']).doUpdateSet(changes))
    .execute();
}

export async function deleteWorker(db: Db, projectId: string, worker: string): Promise<void> {
  await db
    .deleteFrom('hosting_catalog')
    .where('project_id', '=', projectId)
    .where('worker', '=', worker)
    .execute();
}

export async function deleteProject(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('hosting_catalog').where('project_id', '=', projectId).execute();
}

/** Entries due for a refresh at `now`, not paused (at most `limit`). */
export function due(db: Db, now: number, limit: number) {
  return db
    .selectFrom('hosting_catalog')
    .select(['project_id', 'worker', 'deployment_id', 'refresh_due', 'refresh_failures'])
    .where('refresh_paused', '=', 0)
    .where('refresh_due', '<=', now)
    .orderBy('refresh_due')
    .limit(limit)
    .execute();
}

/**
 * Claims the entry's refresh: moves `refresh_due` from what this node read to `next`. One node
 * wins (the others' UPDATE finds the old value gone); answers whether this one did.
 */
export async function claim(
  db: Db,
  key: { project_id: string; worker: string },
  seenDue: number | string,
  next: number,
): Promise<boolean> {
  const result = await db
    .updateTable('hosting_catalog')
    .set({ refresh_due: next })
    .where('project_id', '=', key.project_id)
    .where('worker', '=', key.worker)
    .where('refresh_due', '=', seenDue)
    .where('refresh_paused', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function update(
  db: Db,
  key: { project_id: string; worker: string; deployment_id: string },
  changes: Partial<Omit<CatalogRow, 'project_id' | 'worker' | 'created_at'>>,
): Promise<void> {
  // Only the deployment the refresh fetched from: a deploy meanwhile wrote its own entry.
  await db
    .updateTable('hosting_catalog')
    .set(changes)
    .where('project_id', '=', key.project_id)
    .where('worker', '=', key.worker)
    .where('deployment_id', '=', key.deployment_id)
    .execute();
}
