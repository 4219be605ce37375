import { type AerostackClient, type ClientOptions, createClient as createCoreClient } from '@aerostack/core';
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
 * Creates a client, like `@aerostack/core`'s, reading `AEROSTACK_URL` and (when no credential
 * — key or provider — is given) `AEROSTACK_SECRET_KEY` from the environment.
 *
 * @example
 * import { createClient } from '@aerostack/node';
 *
 * const client = createClient(); // AEROSTACK_URL + AEROSTACK_SECRET_KEY
 * await client.cache.set('greeting', 'hello', { ttlSeconds: 60 });
 */
export function createClient(options: NodeClientOptions = {}): AerostackClient {
  const { secretKey, publishableKey, accountKey, credential } = options;
  const hasCredential = Boolean(secretKey || publishableKey || accountKey || credential);
  return createCoreClient({
    ...options,
    url: requireOption(options.url ?? env('AEROSTACK_URL'), 'url', 'AEROSTACK_URL'),
    secretKey: hasCredential ? secretKey : env('AEROSTACK_SECRET_KEY'),
  });
}
