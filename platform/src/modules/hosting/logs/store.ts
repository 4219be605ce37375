import { type Kysely, sql } from 'kysely';
import { onePage, type Position } from '../../../lib/cursor.js';
import type { HostingTables } from '../store.js';

export interface LogTables extends HostingTables {
  hosting_logs: {
    id: string;
    project_id: string;
    worker: string;
    /** The deployment that ran (without the loader's `+<secrets tag>`). */
    deployment_id: string;
    outcome: string;
    /** JSON: { level, message, at (epoch ms) }[]. */
    lines: string;
    /** When the invocation ended (its trace's time), RFC 3339. */
    created_at: string;
  };
}

type Db = Kysely<LogTables>;
export type LogRow = LogTables['hosting_logs'];

/** Rows per INSERT: a batch of flushed logs stays well under PostgreSQL's parameter limit. */
const INSERT_CHUNK = 200;

/**
 * Inserts `rows` but those of projects deleted meanwhile (a project's last invocations may be
 * flushed after it is gone): the rows inserted. Without the check one such row fails the insert
 * of every other project's logs in its batch.
 */
export async function insertLogs(db: Db, all: LogRow[]): Promise<LogRow[]> {
  const ids = [...new Set(all.map((r) => r.project_id))];
  const live = new Set(
    (
      await (db as unknown as Kysely<{ projects: { id: string } }>)
        .selectFrom('projects')
        .select('id')
        .where('id', 'in', ids)
        .execute()
    ).map((p) => p.id),
  );
  const rows = all.filter((r) => live.has(r.project_id));
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insertInto('hosting_logs')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  return rows;
}

/** Deletes the deployment's logs older than its `keep` newest. */
export async function trimDeployment(db: Db, deploymentId: string, keep: number): Promise<void> {
  const edge = await db
    .selectFrom('hosting_logs')
    .select(['created_at', 'id'])
    .where('deployment_id', '=', deploymentId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (!edge) return;
  await db
    .deleteFrom('hosting_logs')
    .where('deployment_id', '=', deploymentId)
    .where(sql<boolean>`(created_at, id) <= (${edge.created_at}, ${edge.id})`)
    .execute();
}

/** Deletes the logs of deployments that no longer exist (their worker was deleted). */
export async function deleteOrphans(db: Db): Promise<void> {
  await db
    .deleteFrom('hosting_logs')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('hosting_deployments')
            .select('hosting_deployments.id')
            .whereRef('hosting_deployments.id', '=', 'hosting_logs.deployment_id'),
        ),
      ),
    )
    .execute();
}

/**
 * `limit + 1` logs of the worker's existing deployments (one when `deploymentId` is given) after
 * `position`, newest first. The join leaves out what a deleted worker of the same name left.
 */
export function listLogs(
  db: Db,
  projectId: string,
  worker: string,
  deploymentId: string | null,
  position: Position | null,
  limit: number,
) {
  return db
    .selectFrom('hosting_logs')
    .innerJoin('hosting_deployments', 'hosting_deployments.id', 'hosting_logs.deployment_id')
    .selectAll('hosting_logs')
    .where('hosting_logs.project_id', '=', projectId)
    .where('hosting_logs.worker', '=', worker)
    .$if(deploymentId !== null, (q) => q.where('hosting_logs.deployment_id', '=', deploymentId!))
    .$call((q) =>
      onePage(q, position, limit, {
        newestFirst: true,
        columns: ['hosting_logs.created_at', 'hosting_logs.id'],
      }),
    )
    .execute();
}

export function getLog(db: Db, id: string) {
  return db.selectFrom('hosting_logs').selectAll().where('id', '=', id).executeTakeFirst();
}
