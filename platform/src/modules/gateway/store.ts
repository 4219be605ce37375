import type { Kysely, Transaction } from 'kysely';
import { onePage, type Position } from '../../lib/cursor.js';

export interface GatewayTables {
  gateway_servers: {
    id: string;
    workspace_id: string;
    slug: string;
    name: string;
    kind: 'proxy' | 'workspace';
    url: string | null;
    transport: 'streamable-http' | 'sse';
    target_workspace_id: string | null;
    /** JSON array of secret names. */
    secret_headers: string;
    bearer_secret: string | null;
    /** 1 or 0 (SQLite has no boolean). */
    enabled: number;
    /** JSON array of upstream tool names. */
    disabled_tools: string;
    timeout_ms: number | null;
    health_status: 'unknown' | 'ok' | 'error';
    health_checked_at: string | null;
    health_latency_ms: number | null;
    health_error: string | null;
    created_at: string;
    updated_at: string;
  };
}
export type ServerRow = GatewayTables['gateway_servers'];
export type ServerChanges = Partial<Omit<ServerRow, 'id' | 'workspace_id' | 'kind' | 'created_at'>>;
export type HealthColumns = Pick<
  ServerRow,
  'health_status' | 'health_checked_at' | 'health_latency_ms' | 'health_error'
>;
type Db = Kysely<GatewayTables> | Transaction<GatewayTables>;

/** A unique index refused the write (the slug of a workspace), on SQLite and PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export async function insertServer(db: Db, row: ServerRow): Promise<void> {
  await db.insertInto('gateway_servers').values(row).execute();
}

export async function findServer(db: Db, workspaceId: string, id: string): Promise<ServerRow | undefined> {
  return db
    .selectFrom('gateway_servers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** `limit + 1` servers of a workspace after `position`, oldest first. */
export async function listServers(db: Db, workspaceId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('gateway_servers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

/** The enabled servers of a workspace, by slug: what its gateway serves. */
export async function enabledServers(db: Db, workspaceId: string): Promise<ServerRow[]> {
  return db
    .selectFrom('gateway_servers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .orderBy('slug')
    .execute();
}

export async function countServers(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('gateway_servers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateServer(db: Db, id: string, changes: ServerChanges): Promise<void> {
  await db.updateTable('gateway_servers').set(changes).where('id', '=', id).execute();
}

/** Deletes a server; answers whether it existed. */
export async function deleteServer(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('gateway_servers')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The workspaces `workspaceIds` compose (their servers of kind `workspace`, enabled or not). */
export async function composedBy(db: Db, workspaceIds: readonly string[]): Promise<string[]> {
  if (workspaceIds.length === 0) return [];
  const rows = await db
    .selectFrom('gateway_servers')
    .select('target_workspace_id')
    .distinct()
    .where('workspace_id', 'in', workspaceIds)
    .where('target_workspace_id', 'is not', null)
    .execute();
  return rows.map((r) => r.target_workspace_id as string);
}

export async function saveHealth(db: Db, id: string, health: HealthColumns): Promise<void> {
  await db.updateTable('gateway_servers').set(health).where('id', '=', id).execute();
}
