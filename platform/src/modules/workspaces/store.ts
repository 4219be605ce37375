import type { Kysely, Transaction } from 'kysely';
import type { WorkspaceRole } from '../../http/auth/principal.js';
import { onePage, type Position } from '../../lib/cursor.js';

export interface WorkspacesTables {
  workspaces: {
    id: string;
    account_id: string;
    slug: string;
    name: string;
    description: string | null;
    max_servers: number | null;
    /** bigint: PostgreSQL returns it as a string, hence `number | string` (see `toRecord`). */
    calls_per_month: number | string | null;
    requests_per_minute: number | null;
    created_at: string;
    updated_at: string;
  };
  workspace_members: {
    id: string;
    workspace_id: string;
    name: string;
    email: string | null;
    role: WorkspaceRole;
    created_at: string;
    updated_at: string;
  };
  workspace_tokens: {
    id: string;
    workspace_id: string;
    member_id: string;
    name: string | null;
    hash: string;
    hint: string;
    expires_at: string | null;
    created_at: string;
    revoked_at: string | null;
  };
  workspace_secrets: {
    workspace_id: string;
    name: string;
    /** Sealed by the vault. */
    value: string;
    created_at: string;
    updated_at: string;
  };
  workspace_audit: {
    id: string;
    workspace_id: string;
    action: string;
    actor_type: 'account' | 'member';
    actor_id: string;
    actor_token_id: string | null;
    target: string | null;
    /** JSON object. */
    details: string;
    created_at: string;
  };
}
export type WorkspaceRow = WorkspacesTables['workspaces'];
export type MemberRow = WorkspacesTables['workspace_members'];
export type TokenRow = WorkspacesTables['workspace_tokens'];
export type SecretRow = WorkspacesTables['workspace_secrets'];
export type AuditRow = WorkspacesTables['workspace_audit'];
export type Db = Kysely<WorkspacesTables> | Transaction<WorkspacesTables>;

/** A live token as authentication needs it: its member's current role comes with it. */
export interface ActiveToken {
  id: string;
  workspaceId: string;
  memberId: string;
  role: WorkspaceRole;
  expiresAt: string | null;
}

// ── workspaces ──

/** Inserts the workspace; false when its slug is taken (the unique index decides races). */
export async function insertWorkspace(db: Db, row: WorkspaceRow): Promise<boolean> {
  const result = await db
    .insertInto('workspaces')
    .values(row)
    .onConflict((c) => c.column('slug').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findWorkspace(db: Db, column: 'id' | 'slug', value: string) {
  return db.selectFrom('workspaces').selectAll().where(column, '=', value).executeTakeFirst();
}

export async function listWorkspaces(db: Db, accountId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('workspaces')
    .selectAll()
    .where('account_id', '=', accountId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

export async function updateWorkspace(db: Db, id: string, changes: Partial<WorkspaceRow>): Promise<void> {
  await db.updateTable('workspaces').set(changes).where('id', '=', id).execute();
}

/** Deletes the workspace (everything of it cascades); false when it was gone already. */
export async function deleteWorkspace(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('workspaces').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ── members ──

export async function insertMember(db: Db, row: MemberRow): Promise<void> {
  await db.insertInto('workspace_members').values(row).execute();
}

export async function findMember(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom('workspace_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listMembers(db: Db, workspaceId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('workspace_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

export async function updateMember(db: Db, id: string, changes: Partial<MemberRow>): Promise<void> {
  await db.updateTable('workspace_members').set(changes).where('id', '=', id).execute();
}

export async function deleteMember(db: Db, id: string): Promise<void> {
  await db.deleteFrom('workspace_members').where('id', '=', id).execute();
}

// ── tokens ──

export async function insertToken(db: Db, row: TokenRow): Promise<void> {
  await db.insertInto('workspace_tokens').values(row).execute();
}

/** `limit + 1` tokens of a workspace after `position`, with their member's role, revoked ones included. */
export async function listTokens(db: Db, workspaceId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('workspace_tokens as t')
    .innerJoin('workspace_members as m', 'm.id', 't.member_id')
    .selectAll('t')
    .select('m.role')
    .where('t.workspace_id', '=', workspaceId)
    .$call((query) => onePage(query, position, limit, { columns: ['t.created_at', 't.id'] }))
    .execute();
}

export async function findToken(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom('workspace_tokens as t')
    .innerJoin('workspace_members as m', 'm.id', 't.member_id')
    .selectAll('t')
    .select('m.role')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', id)
    .executeTakeFirst();
}

/** Revokes a live token; false when it was revoked already (by a concurrent request too). */
export async function revokeToken(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('workspace_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The hashes of the tokens of a workspace, or of one of its members (to drop them from caches). */
export async function tokenHashes(db: Db, where: { workspaceId: string; memberId?: string }) {
  let query = db.selectFrom('workspace_tokens').select('hash').where('workspace_id', '=', where.workspaceId);
  if (where.memberId) query = query.where('member_id', '=', where.memberId);
  return (await query.execute()).map((r) => r.hash);
}

export async function findActiveToken(db: Db, hash: string): Promise<ActiveToken | null> {
  const row = await db
    .selectFrom('workspace_tokens as t')
    .innerJoin('workspace_members as m', 'm.id', 't.member_id')
    .select(['t.id', 't.workspace_id', 't.member_id', 't.expires_at', 'm.role'])
    .where('t.hash', '=', hash)
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        workspaceId: row.workspace_id,
        memberId: row.member_id,
        role: row.role,
        expiresAt: row.expires_at,
      }
    : null;
}

// ── secrets ──

export async function upsertSecret(db: Db, row: SecretRow): Promise<SecretRow> {
  return db
    .insertInto('workspace_secrets')
    .values(row)
    .onConflict((c) =>
      c.columns(['workspace_id', 'name']).doUpdateSet({ value: row.value, updated_at: row.updated_at }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function countSecrets(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('workspace_secrets')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `limit + 1` secrets (names and times) after `position`, whose `id` is the name. */
export async function listSecrets(db: Db, workspaceId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('workspace_secrets')
    .select(['name', 'created_at', 'updated_at'])
    .where('workspace_id', '=', workspaceId)
    .$call((query) => onePage(query, position, limit, { columns: ['created_at', 'name'] }))
    .execute();
}

export async function secretExists(db: Db, workspaceId: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('workspace_secrets')
    .select('name')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}

export async function sealedSecrets(db: Db, workspaceId: string) {
  return db
    .selectFrom('workspace_secrets')
    .select(['name', 'value'])
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function deleteSecret(db: Db, workspaceId: string, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('workspace_secrets')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ── audit ──

export async function insertAudit(db: Db, row: AuditRow): Promise<void> {
  await db.insertInto('workspace_audit').values(row).execute();
}

/** `limit + 1` audit events, newest first, strictly before `position`. */
export async function listAudit(db: Db, workspaceId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('workspace_audit')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$call((query) => onePage(query, position, limit, { newestFirst: true }))
    .execute();
}

/** Whether `error` is the database refusing a duplicate of a unique column (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
