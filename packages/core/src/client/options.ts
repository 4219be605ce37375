import type { AuthOptions } from '../auth/auth';
import type { Credential, CredentialProvider } from '../transport/credential';
import type { FetchLike } from '../transport/send-once';
import type { TransportCallOptions } from '../transport/transport-fetch';

/**
 * Options of `createClient`. Give at most one credential — a key, or a `credential` provider
 * — sent as `Authorization: Bearer <credential>`.
 *
 * @example
 * const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_…', timeoutMs: 10_000 });
 * const user = createClient({ url, credential: () => session.accessToken });
 */
export interface ClientOptions {
  /** The platform's base URL, e.g. `http://localhost:8787`. */
  url: string;
  /** A project secret key (`sk_…`): every primitive of one project. Keep it on servers. */
  secretKey?: string | undefined;
  /** A project publishable key (`pk_…`): safe in browsers. */
  publishableKey?: string | undefined;
  /** An account key (`ak_…`): manages projects. */
  accountKey?: string | undefined;
  /**
   * A function returning the credential (a user's session token, say), sync or async, asked
   * before every attempt: a retried attempt asks again, so a refreshed token is picked up. A
   * 401 is not retried by itself. Return `undefined` to send no credential.
   */
  credential?: CredentialProvider | undefined;
  /** The fetch to send with (any `(request: Request) => Promise<Response>`); `globalThis.fetch` by default. */
  fetch?: FetchLike | undefined;
  /** Deadline of each attempt in milliseconds; default 30 000. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, of calls that are safe to repeat (spec/clients/README.md); default 2. */
  maxRetries?: number | undefined;
  /** Headers sent with every request. */
  headers?: Record<string, string> | undefined;
  /** The end-user session's storage and refresh settings (with `publishableKey`). */
  auth?: AuthOptions | undefined;
}

/**
 * Options every client method accepts as its last argument.
 *
 * @example
 * await client.cache.get('k', { signal: AbortSignal.timeout(500), maxRetries: 0 });
 */
export interface RequestOptions extends TransportCallOptions {
  /** Extra headers for this request only. */
  headers?: Record<string, string> | undefined;
}

/** The single credential among the options, or undefined; more than one is a mistake we report. */
export function pickCredential(options: ClientOptions): Credential {
  const { secretKey, publishableKey, accountKey, credential } = options;
  const given = [secretKey, publishableKey, accountKey, credential].filter(Boolean);
  if (given.length > 1) {
    throw new TypeError(
      'Aerostack: pass only one of `secretKey`, `publishableKey`, `accountKey` or `credential`.',
    );
  }
  if (credential !== undefined && typeof credential !== 'function') {
    throw new TypeError('Aerostack: `credential` is a function returning the credential (or undefined).');
  }
  return given[0];
}

/**
 * Only the `RequestOptions` fields of `options` (signal, timeoutMs, maxRetries, headers), for
 * SDK modules that pass their callers' options on to an `http` call.
 *
 * @example
 * http.GET('/v1/account', { ...pickRequestOptions(options) });
 */
export function pickRequestOptions(options: RequestOptions = {}): RequestOptions {
  const { signal, timeoutMs, maxRetries, headers } = options;
  return { signal, timeoutMs, maxRetries, headers };
}
