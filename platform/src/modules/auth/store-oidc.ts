import type { Db } from './store.js';

/** The OpenID Connect tables of the auth module (migration `auth_oidc`, decision 0032). */
export interface OidcTables {
  auth_oidc_providers: {
    project_id: string;
    slug: string;
    display_name: string;
    issuer: string;
    client_id: string;
    /** Sealed by the vault (context `auth-oidc-secret:<project>:<slug>`). */
    client_secret: string;
    /** JSON array. */
    scopes: string;
    created_at: string;
    updated_at: string;
  };
  auth_oidc_flows: {
    id: string;
    project_id: string;
    provider: string;
    /** sha256 of the `state` sent to the provider. */
    state_hash: string;
    /** `{ codeVerifier, nonce }` as JSON, sealed by the vault (context `auth-oidc-flow:<id>`). */
    secrets: string;
    redirect_to: string;
    expires_at: string;
    used_at: string | null;
    created_at: string;
  };
  auth_identities: {
    id: string;
    project_id: string;
    user_id: string;
    /** The provider's slug when the identity was made (informative: issuer + subject is the key). */
    provider: string;
    issuer: string;
    subject: string;
    /** What the provider last said, lower case; not necessarily the user's email. */
    email: string | null;
    /** 0 / 1. */
    email_verified: number;
    created_at: string;
    last_sign_in_at: string;
  };
}

export type ProviderRow = OidcTables['auth_oidc_providers'];
export type FlowRow = OidcTables['auth_oidc_flows'];
export type IdentityRow = OidcTables['auth_identities'];

/** A project keeps at most this many providers (so one page lists them all). */
export const MAX_PROVIDERS = 20;

// Providers

export function listProviders(db: Db, projectId: string) {
  return db
    .selectFrom('auth_oidc_providers')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('slug')
    .execute();
}

export function findProvider(db: Db, projectId: string, slug: string) {
  return db
    .selectFrom('auth_oidc_providers')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('slug', '=', slug)
    .executeTakeFirst();
}

export async function saveProvider(db: Db, row: ProviderRow): Promise<void> {
  const { project_id, slug, created_at, ...changes } = row;
  await db
    .insertInto('auth_oidc_providers')
    .values(row)
    .onConflict((c) => c.columns(['project_id', 'slug']).doUpdateSet(changes))
    .execute();
}

export async function deleteProvider(db: Db, projectId: string, slug: string): Promise<boolean> {
  const result = await db
    .deleteFrom('auth_oidc_providers')
    .where('project_id', '=', projectId)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// Flows

/** Stores a new flow, and drops expired ones (they are never used again). */
export async function insertFlow(db: Db, row: FlowRow): Promise<void> {
  await db.deleteFrom('auth_oidc_flows').where('expires_at', '<', row.created_at).execute();
  await db.insertInto('auth_oidc_flows').values(row).execute();
}

/** Uses the live flow whose state has this hash, once; undefined when unknown, used or expired. */
export function consumeFlow(db: Db, stateHash: string, at: string) {
  return db
    .updateTable('auth_oidc_flows')
    .set({ used_at: at })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returningAll()
    .executeTakeFirst();
}

// Identities

export function findIdentity(db: Db, projectId: string, issuer: string, subject: string) {
  return db
    .selectFrom('auth_identities')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
}

/** Inserts the identity; false when this issuer's subject is linked already (a concurrent sign-in). */
export async function insertIdentity(db: Db, row: IdentityRow): Promise<boolean> {
  const result = await db
    .insertInto('auth_identities')
    .values(row)
    .onConflict((c) => c.columns(['project_id', 'issuer', 'subject']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function touchIdentity(
  db: Db,
  id: string,
  changes: Pick<IdentityRow, 'email' | 'email_verified' | 'last_sign_in_at'>,
): Promise<void> {
  await db.updateTable('auth_identities').set(changes).where('id', '=', id).execute();
}
