import type { Kysely, Transaction } from 'kysely';
import { onePage, type Position } from '../../lib/cursor.js';
import type { OidcTables } from './store-oidc.js';

/** The auth module's tables (migrations.ts). Times are ISO strings, which sort as text. */
export interface AuthTables extends OidcTables {
  auth_users: {
    id: string;
    project_id: string;
    /** Lower case. */
    email: string;
    /** `scrypt$N$r$p$salt$hash` (password.ts); null for users who only ever signed in by email. */
    password_hash: string | null;
    email_verified_at: string | null;
    /** JSON object. */
    metadata: string;
    disabled_at: string | null;
    created_at: string;
    updated_at: string;
    last_sign_in_at: string | null;
  };
  auth_sessions: {
    id: string;
    project_id: string;
    user_id: string;
    /** The family secret refresh tokens are derived from, sealed by the vault. */
    secret: string;
    /** How many times the refresh token was rotated; the live token is the one for this counter. */
    counter: number;
    rotated_at: string;
    created_at: string;
    revoked_at: string | null;
  };
  auth_signing_keys: {
    kid: string;
    project_id: string;
    public_jwk: string;
    /** The private JWK, sealed by the vault. */
    private_key: string;
    created_at: string;
    retired_at: string | null;
  };
  auth_codes: {
    id: string;
    project_id: string;
    kind: CodeKind;
    email: string;
    user_id: string | null;
    hash: string;
    attempts: number;
    expires_at: string;
    used_at: string | null;
    created_at: string;
  };
  auth_settings: {
    project_id: string;
    /** JSON array of URL prefixes. */
    redirect_urls: string;
    updated_at: string;
  };
  auth_outbox: {
    id: string;
    project_id: string;
    recipient: string;
    /** Sealed by the vault, as the body: it may hold the code. */
    subject: string;
    /** The text, sealed by the vault (it holds live codes and links). */
    body: string;
    created_at: string;
  };
}

/** `oidc`: the one-time code a finished OpenID Connect sign-in hands to the app (decision 0032). */
export type CodeKind = 'otp' | 'magic-link' | 'verify-email' | 'password-reset' | 'oidc';
export type UserRow = AuthTables['auth_users'];
export type SessionRow = AuthTables['auth_sessions'];
export type SigningKeyRow = AuthTables['auth_signing_keys'];
export type CodeRow = AuthTables['auth_codes'];
export type OutboxRow = AuthTables['auth_outbox'];
export type Db = Kysely<AuthTables> | Transaction<AuthTables>;

// Users

export async function insertUser(db: Db, row: UserRow): Promise<boolean> {
  const result = await db
    .insertInto('auth_users')
    .values(row)
    .onConflict((c) => c.columns(['project_id', 'email']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export function findUser(db: Db, projectId: string, id: string) {
  return db
    .selectFrom('auth_users')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findUserByEmail(db: Db, projectId: string, email: string) {
  return db
    .selectFrom('auth_users')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('email', '=', email)
    .executeTakeFirst();
}

export function listUsers(db: Db, projectId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('auth_users')
    .selectAll()
    .where('project_id', '=', projectId)
    .$call((query) => onePage(query, position, limit))
    .execute();
}

export async function updateUser(
  db: Db,
  projectId: string,
  id: string,
  changes: Partial<Omit<UserRow, 'id' | 'project_id' | 'email' | 'created_at'>>,
): Promise<UserRow | undefined> {
  return db
    .updateTable('auth_users')
    .set(changes)
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteUser(db: Db, projectId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('auth_users')
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) return false;
  await db.deleteFrom('auth_codes').where('project_id', '=', projectId).where('user_id', '=', id).execute();
  await db
    .deleteFrom('auth_identities')
    .where('project_id', '=', projectId)
    .where('user_id', '=', id)
    .execute();
  return true;
}

// Sessions

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  await db.insertInto('auth_sessions').values(row).execute();
}

export function findSession(db: Db, projectId: string, id: string) {
  return db
    .selectFrom('auth_sessions')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The live session `id` whose user is enabled: what an access token needs to be honoured. */
export async function findLiveSession(db: Db, id: string) {
  return db
    .selectFrom('auth_sessions as s')
    .innerJoin('auth_users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.project_id', 's.user_id'])
    .where('s.id', '=', id)
    .where('s.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Moves the session from rotation `counter` to `counter + 1`, only if nobody did meanwhile: of
 * many concurrent refreshes with one token, exactly one wins.
 */
export async function advanceSession(db: Db, id: string, counter: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('auth_sessions')
    .set({ counter: counter + 1, rotated_at: at })
    .where('id', '=', id)
    .where('counter', '=', counter)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes the given sessions (or every live one of `userId`, but `except`); returns the ids revoked. */
export async function revokeSessions(
  db: Db,
  where: { ids: string[] } | { userId: string; except?: string },
  at: string,
): Promise<string[]> {
  let query = db.updateTable('auth_sessions').set({ revoked_at: at }).where('revoked_at', 'is', null);
  if ('ids' in where) {
    if (where.ids.length === 0) return [];
    query = query.where('id', 'in', where.ids);
  } else {
    query = query.where('user_id', '=', where.userId);
    if (where.except !== undefined) query = query.where('id', '!=', where.except);
  }
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

export async function deleteSessionsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.deleteFrom('auth_sessions').where('user_id', '=', userId).returning('id').execute();
  return rows.map((r) => r.id);
}

// Signing keys

export function currentSigningKey(db: Db, projectId: string) {
  return db
    .selectFrom('auth_signing_keys')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
}

export function findSigningKey(db: Db, kid: string) {
  return db.selectFrom('auth_signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
}

/** Inserts `row` as the project's current key; false when another one is current already. */
export async function insertSigningKey(db: Db, row: SigningKeyRow): Promise<boolean> {
  const result = await db
    .insertInto('auth_signing_keys')
    .values(row)
    .onConflict((c) => c.column('project_id').where('retired_at', 'is', null).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function retireSigningKeys(db: Db, projectId: string, at: string): Promise<void> {
  await db
    .updateTable('auth_signing_keys')
    .set({ retired_at: at })
    .where('project_id', '=', projectId)
    .where('retired_at', 'is', null)
    .execute();
}

/** The project's keys that may still have live tokens: current, or retired after `since`. */
export function publishedSigningKeys(db: Db, projectId: string, since: string) {
  return db
    .selectFrom('auth_signing_keys')
    .select(['kid', 'public_jwk'])
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', since)]))
    .orderBy('created_at', 'desc')
    .execute();
}

// Codes

export async function insertCode(db: Db, row: CodeRow): Promise<void> {
  await db.insertInto('auth_codes').values(row).execute();
}

/** Ends every unused code of `kind` for this email (a new one replaces them). */
export async function retireCodes(db: Db, projectId: string, email: string, kind: CodeKind, at: string) {
  await db
    .updateTable('auth_codes')
    .set({ used_at: at })
    .where('project_id', '=', projectId)
    .where('email', '=', email)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .execute();
}

/** Uses the unexpired, unused link token with this hash, once; null when there is none. */
export async function consumeLink(db: Db, projectId: string, kind: CodeKind, hash: string, at: string) {
  return db
    .updateTable('auth_codes')
    .set({ used_at: at })
    .where('project_id', '=', projectId)
    .where('kind', '=', kind)
    .where('hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning(['email', 'user_id'])
    .executeTakeFirst();
}

/** The live one-time code for this email, counting one more attempt; null when none is left. */
export async function attemptOtp(db: Db, projectId: string, email: string, at: string, maxAttempts: number) {
  const row = await db
    .selectFrom('auth_codes')
    .select(['id'])
    .where('project_id', '=', projectId)
    .where('email', '=', email)
    .where('kind', '=', 'otp')
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return db
    .updateTable('auth_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', row.id)
    .where('attempts', '<', maxAttempts)
    .where('used_at', 'is', null)
    .returning(['id', 'hash'])
    .executeTakeFirst();
}

export async function useCode(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('auth_codes')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Outbox

export async function insertOutbox(db: Db, row: OutboxRow, keepAfter: string): Promise<void> {
  await db.insertInto('auth_outbox').values(row).execute();
  await db.deleteFrom('auth_outbox').where('created_at', '<', keepAfter).execute();
}

/** `limit + 1` kept emails of a project, newest first, before `position`. */
export function listOutbox(db: Db, projectId: string, position: Position | null, limit: number) {
  return db
    .selectFrom('auth_outbox')
    .selectAll()
    .where('project_id', '=', projectId)
    .$call((query) => onePage(query, position, limit, { newestFirst: true }))
    .execute();
}

// Settings

export async function redirectUrls(db: Db, projectId: string): Promise<string[]> {
  const row = await db
    .selectFrom('auth_settings')
    .select('redirect_urls')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row ? (JSON.parse(row.redirect_urls) as string[]) : [];
}

export async function saveRedirectUrls(db: Db, projectId: string, urls: string[], at: string): Promise<void> {
  const redirect_urls = JSON.stringify(urls);
  await db
    .insertInto('auth_settings')
    .values({ project_id: projectId, redirect_urls, updated_at: at })
    .onConflict((c) => c.column('project_id').doUpdateSet({ redirect_urls, updated_at: at }))
    .execute();
}
