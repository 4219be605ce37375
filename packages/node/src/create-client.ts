import { type AerostackClient, type ClientOptions, createClient as createCoreClient } from '@aerostack/core';
import { type AuthAdminApi, createAuthAdminApi } from '@aerostack/core/admin';
import { env, requireOption } from './env';

/**
 * Options of `createClient` in Node: those of `@aerostack/core`, each optional because it
 * falls back to the environment.
 *
 * @example
 * const client = createClient({ timeoutMs: 5_000 }); // url and key from the environment
 */
export type NodeClientOptions = Partial<ClientOptions>;

/**
 * The Node client: `@aerostack/core`'s, plus `auth.admin` (the project's end-user administration,
 * secret key only) for servers.
 *
 * @example
 * const client = createClient();
 * const page = await client.auth.admin.users.list({ limit: 20 });
 */
export interface NodeClient extends Omit<AerostackClient, 'auth'> {
  readonly auth: AerostackClient['auth'] & {
    /** End users, the outbox, auth settings, signing keys and OpenID Connect providers (secret key). */
    readonly admin: AuthAdminApi;
  };
}

/**
 * Creates a client, like `@aerostack/core`'s, reading `AEROSTACK_URL` and (when no credential
 * — key or provider — is given) `AEROSTACK_SECRET_KEY` from the environment.
 *
 * @example
 * import { createClient } from '@aerostack/node';
 *
 * const client = createClient(); // AEROSTACK_URL + AEROSTACK_SECRET_KEY
 * await client.cache.set('greeting', 'hello', { ttlSeconds: 60 });
 */
export function createClient(options: NodeClientOptions = {}): NodeClient {
  const { secretKey, publishableKey, accountKey, credential } = options;
  const hasCredential = Boolean(secretKey || publishableKey || accountKey || credential);
  const client = createCoreClient({
    ...options,
    url: requireOption(options.url ?? env('AEROSTACK_URL'), 'url', 'AEROSTACK_URL'),
    secretKey: hasCredential ? secretKey : env('AEROSTACK_SECRET_KEY'),
  });
  return { ...client, auth: { ...client.auth, admin: createAuthAdminApi(client.http) } };
}
