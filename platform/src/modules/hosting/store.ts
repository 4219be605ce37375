import type { Kysely } from 'kysely';
import { onePage, type Position } from '../../lib/cursor.js';

export interface HostingTables {
  hosting_workers: {
    project_id: string;
    name: string;
    kind: string;
    active_deployment_id: string;
    active_version: number;
    /** The highest version given so far: deleted deployments never reuse a number. */
    last_version: number;
    created_at: string;
    updated_at: string;
  };
  hosting_deployments: {
    id: string;
    project_id: string;
    worker: string;
    version: number;
    kind: string;
    compatibility_date: string;
    /** JSON: string[]. */
    compatibility_flags: string;
    /** JSON: [name, value][] in the order of `[vars]`. */
    vars: string;
    /** JSON: Binding[]. */
    bindings: string;
    /** JSON: string[]. */
    crons: string;
    /** JSON: Manifest, or null without an `aerostack.json`. */
    manifest: string | null;
    /** JSON: { location, message }[]. */
    warnings: string;
    /** JSON: { name, content }[], the entry first. */
    modules: string;
    rolled_back_from: string | null;
    created_at: string;
  };
  hosting_secrets: {
    project_id: string;
    name: string;
    /** Sealed by the vault. */
    value: string;
    created_at: string;
    updated_at: string;
  };
}

type Db = Kysely<HostingTables>;
export type WorkerRow = HostingTables['hosting_workers'];
export type DeploymentRow = HostingTables['hosting_deployments'];

export function getWorker(db: Db, projectId: string, name: string) {
  return db
    .selectFrom('hosting_workers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** `limit + 1` workers after `position` (whose `id` is the name), oldest first. */
export function listWorkers(db: Db, projectId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('hosting_workers')
    .selectAll()
    .where('project_id', '=', projectId)
    .$call((q) => onePage(q, position, limit, { columns: ['created_at', 'name'] }))
    .execute();
}

export async function countWorkers(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('hosting_workers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The project's active deployments, one per worker, with their code. */
export function activeDeployments(db: Db, projectId: string) {
  return db
    .selectFrom('hosting_deployments')
    .innerJoin('hosting_workers', 'hosting_workers.active_deployment_id', 'hosting_deployments.id')
    .selectAll('hosting_deployments')
    .where('hosting_deployments.project_id', '=', projectId)
    .execute();
}

export function getDeployment(db: Db, projectId: string, worker: string, id: string) {
  return db
    .selectFrom('hosting_deployments')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('worker', '=', worker)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** `limit + 1` deployments of the worker below version `before` (null: from the newest), newest first. */
export function listDeployments(
  db: Db,
  projectId: string,
  worker: string,
  before: number | null,
  limit: number,
) {
  return db
    .selectFrom('hosting_deployments')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('worker', '=', worker)
    .$if(before !== null, (q) => q.where('version', '<', before!))
    .orderBy('version', 'desc')
    .limit(limit + 1)
    .execute();
}

/**
 * Stores `deployment` as the worker's next version and makes it active (creating the worker on
 * its first deployment). In the caller's transaction; the version comes from the worker row,
 * which the update locks, so two deploys at once get two numbers.
 */
export async function insertActive(
  db: Db,
  deployment: Omit<DeploymentRow, 'version'>,
  kind: string,
): Promise<DeploymentRow> {
  const now = deployment.created_at;
  const bumped = await db
    .updateTable('hosting_workers')
    .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
    .where('project_id', '=', deployment.project_id)
    .where('name', '=', deployment.worker)
    .returning('last_version')
    .executeTakeFirst();
  const version = bumped ? Number(bumped.last_version) : 1;
  if (!bumped) {
    await db
      .insertInto('hosting_workers')
      .values({
        project_id: deployment.project_id,
        name: deployment.worker,
        kind,
        active_deployment_id: deployment.id,
        active_version: version,
        last_version: version,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const row = { ...deployment, version };
  await db.insertInto('hosting_deployments').values(row).execute();
  await db
    .updateTable('hosting_workers')
    .set({ kind, active_deployment_id: row.id, active_version: version, updated_at: now })
    .where('project_id', '=', deployment.project_id)
    .where('name', '=', deployment.worker)
    .execute();
  return row;
}

export async function deleteWorker(db: Db, projectId: string, name: string): Promise<boolean> {
  await db
    .deleteFrom('hosting_deployments')
    .where('project_id', '=', projectId)
    .where('worker', '=', name)
    .execute();
  const result = await db
    .deleteFrom('hosting_workers')
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function deleteProject(db: Db, projectId: string): Promise<void> {
  await db.deleteFrom('hosting_deployments').where('project_id', '=', projectId).execute();
  await db.deleteFrom('hosting_workers').where('project_id', '=', projectId).execute();
  await db.deleteFrom('hosting_secrets').where('project_id', '=', projectId).execute();
}

// ── secrets ──

export function upsertSecret(db: Db, row: HostingTables['hosting_secrets']) {
  return db
    .insertInto('hosting_secrets')
    .values(row)
    .onConflict((c) =>
      c.columns(['project_id', 'name']).doUpdateSet({ value: row.value, updated_at: row.updated_at }),
    )
    .returning(['name', 'created_at', 'updated_at'])
    .executeTakeFirstOrThrow();
}

export async function countSecrets(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('hosting_secrets')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `limit + 1` secrets (names and times) after `position`, whose `id` is the name. */
export function listSecrets(db: Db, projectId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('hosting_secrets')
    .select(['name', 'created_at', 'updated_at'])
    .where('project_id', '=', projectId)
    .$call((q) => onePage(q, position, limit, { columns: ['created_at', 'name'] }))
    .execute();
}

export function sealedSecrets(db: Db, projectId: string) {
  return db
    .selectFrom('hosting_secrets')
    .select(['name', 'value'])
    .where('project_id', '=', projectId)
    .execute();
}

export async function deleteSecret(db: Db, projectId: string, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('hosting_secrets')
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
