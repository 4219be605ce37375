import { tables } from '../../db/database.js';
import { idempotencyScope } from '../../http/idempotency/index.js';
import { deleteScopes, type IdempotencyTables } from '../../http/idempotency/store.js';
import type { Services } from '../../services.js';
import { SIGNING_KEYS_ROTATED } from './signing-keys.js';
import type { AuthTables } from './store.js';

/** Every auth table holds a `project_id`; sessions are deleted with the rest (and revoked first). */
const TABLES = [
  'auth_identities',
  'auth_oidc_flows',
  'auth_oidc_providers',
  'auth_codes',
  'auth_outbox',
  'auth_settings',
  'auth_signing_keys',
  'auth_users',
] as const;

/**
 * Deletes the project's sessions and drops them from every worker's and node's session cache:
 * the next request with one of its users' access tokens answers 401, and their open realtime
 * streams end.
 */
export async function revokeProject(services: Services, projectId: string): Promise<void> {
  const rows = await tables<AuthTables>(services.database)
    .deleteFrom('auth_sessions')
    .where('project_id', '=', projectId)
    .returning('id')
    .execute();
  await services.auth.sessions.forget(rows.map((row) => row.id));
}

/**
 * Deletes the project's users, sessions, codes, outbox, settings, OIDC providers and flows,
 * identities and signing keys, and the idempotency records of its users' requests; every worker
 * forgets its cached signing key.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  const db = tables<AuthTables>(services.database);
  await revokeProject(services, projectId);
  const users = await db.selectFrom('auth_users').select('id').where('project_id', '=', projectId).execute();
  const scopes = users.map((user) => idempotencyScope({ scheme: 'userSession', subject: user.id }));
  const records = tables<IdempotencyTables>(services.database);
  for (let i = 0; i < scopes.length; i += 500) await deleteScopes(records, scopes.slice(i, i + 500));
  for (const table of TABLES) await db.deleteFrom(table).where('project_id', '=', projectId).execute();
  await services.bus.publish(SIGNING_KEYS_ROTATED, { projectId });
}
