import { type ListAllOptions, type ListOptions, listQuery } from '../admin/options';
import type { AuthUser } from '../auth/auth';
import { pickRequestOptions, type RequestOptions } from '../client/options';
import type { components } from '../generated/openapi';
import { paginate } from '../pagination/paginate';
import type { Http } from '../transport/http-types';
import type { Page } from '../types/models';

type Schemas = components['schemas'];

/** What `auth.admin.users.update` may change: `disabled`, `emailVerified`, `metadata`. */
export type AuthAdminUserUpdate = Schemas['AuthAdminUserUpdate'];
/** An email the platform kept in the outbox (no SMTP server configured). */
export type AuthOutboxMessage = Schemas['AuthOutboxMessage'];
/** The project's auth settings: the URLs emailed links and sign-in redirects may point at. */
export type AuthSettings = Schemas['AuthSettings'];
/** A signing key's public part. */
export type AuthSigningKey = Schemas['AuthSigningKey'];
/** An OpenID Connect provider (its client secret is never returned). */
export type AuthProvider = Schemas['AuthProvider'];
/** What `auth.admin.providers.put` takes: issuer, client id and secret, scopes… */
export type AuthProviderInput = Schemas['AuthProviderInput'];

/**
 * The project's end-user administration, for servers holding the secret key — the counterpart of
 * Supabase's `auth.admin`. Never ship a secret key to a browser.
 *
 * @example
 * import { createClient } from '@aerostack/node';
 *
 * const client = createClient(); // AEROSTACK_URL + AEROSTACK_SECRET_KEY
 * for await (const user of client.auth.admin.users.listAll()) console.log(user.email);
 * await client.auth.admin.users.update(userId, { disabled: true }); // ends their sessions too
 */
export interface AuthAdminApi {
  readonly users: {
    /** One page of the project's end users, oldest first. */
    list(options?: ListOptions): Promise<Page<AuthUser>>;
    /** Every end user, page after page. */
    listAll(options?: ListAllOptions): AsyncGenerator<AuthUser>;
    /** One end user; rejects with `auth/user-not-found`. */
    get(userId: string, options?: RequestOptions): Promise<AuthUser>;
    /** Edits, disables or enables an end user; disabling signs them out everywhere. */
    update(userId: string, input: AuthAdminUserUpdate, options?: RequestOptions): Promise<AuthUser>;
    /** Deletes an end user and their sessions. */
    delete(userId: string, options?: RequestOptions): Promise<void>;
  };
  readonly outbox: {
    /** One page of the emails kept in the outbox (only when no SMTP server is configured), newest first. */
    list(options?: ListOptions): Promise<Page<AuthOutboxMessage>>;
  };
  readonly settings: {
    get(options?: RequestOptions): Promise<AuthSettings>;
    /** Replaces the settings (the allowed redirect URL prefixes). */
    update(settings: AuthSettings, options?: RequestOptions): Promise<AuthSettings>;
  };
  readonly signingKeys: {
    /** Signs new access tokens with a fresh key; tokens signed with the previous one stay valid. */
    rotate(options?: RequestOptions): Promise<AuthSigningKey>;
  };
  readonly providers: {
    /** Every OpenID Connect provider of the project (at most 20), by slug. */
    list(options?: RequestOptions): Promise<AuthProvider[]>;
    get(provider: string, options?: RequestOptions): Promise<AuthProvider>;
    /** Adds or replaces a provider; the platform checks its discovery document first. */
    put(provider: string, input: AuthProviderInput, options?: RequestOptions): Promise<AuthProvider>;
    delete(provider: string, options?: RequestOptions): Promise<void>;
  };
}

export function createAuthAdminApi(http: Http): AuthAdminApi {
  const user = (userId: string) => ({ path: { userId } });
  const provider = (slug: string) => ({ path: { provider: slug } });
  const listUsers = (options: ListOptions = {}) =>
    http.GET('/v1/auth/users', { params: { query: listQuery(options) }, ...pickRequestOptions(options) });
  return {
    users: {
      list: listUsers,
      listAll: (options = {}) =>
        paginate((cursor) => listUsers({ ...options, limit: options.pageSize, cursor })),
      get: (userId, options) =>
        http.GET('/v1/auth/users/{userId}', { params: user(userId), ...pickRequestOptions(options) }),
      update: (userId, input, options) =>
        http.PATCH('/v1/auth/users/{userId}', {
          params: user(userId),
          body: input,
          ...pickRequestOptions(options),
        }),
      async delete(userId, options) {
        await http.DELETE('/v1/auth/users/{userId}', {
          params: user(userId),
          ...pickRequestOptions(options),
        });
      },
    },
    outbox: {
      list: (options = {}) =>
        http.GET('/v1/auth/outbox', {
          params: { query: listQuery(options) },
          ...pickRequestOptions(options),
        }),
    },
    settings: {
      get: (options) => http.GET('/v1/auth/settings', pickRequestOptions(options)),
      update: (settings, options) =>
        http.PUT('/v1/auth/settings', { body: settings, ...pickRequestOptions(options) }),
    },
    signingKeys: {
      rotate: (options) => http.POST('/v1/auth/signing-keys/rotate', pickRequestOptions(options)),
    },
    providers: {
      async list(options) {
        return (await http.GET('/v1/auth/providers', pickRequestOptions(options))).data;
      },
      get: (slug, options) =>
        http.GET('/v1/auth/providers/{provider}', { params: provider(slug), ...pickRequestOptions(options) }),
      put: (slug, input, options) =>
        http.PUT('/v1/auth/providers/{provider}', {
          params: provider(slug),
          body: input,
          ...pickRequestOptions(options),
        }),
      async delete(slug, options) {
        await http.DELETE('/v1/auth/providers/{provider}', {
          params: provider(slug),
          ...pickRequestOptions(options),
        });
      },
    },
  };
}
