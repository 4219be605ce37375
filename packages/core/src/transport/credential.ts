import { abortedError } from '../errors/client-errors';
import { raceAbort } from './signals';

/**
 * Returns the credential to send, asked again before every attempt, so a provider that
 * refreshes a session hands each retry the current token. Return `undefined` to send none.
 *
 * @example
 * const client = createClient({ url, credential: async () => (await session.current())?.accessToken });
 */
export type CredentialProvider = () => string | undefined | Promise<string | undefined>;

/** What an attempt authenticates with: a fixed key, a provider, or nothing. */
export type Credential = string | CredentialProvider | undefined;

/** Where the credential and client-wide headers go: only requests to the platform itself get them. */
export interface RequestDefaults {
  /** The platform's base URL, without a trailing slash. */
  baseUrl: string;
  credential?: Credential;
  headers?: Record<string, string> | undefined;
}

/** Whether `url` is the platform's own (so it gets the credential and client-wide headers). */
export function isForPlatform(url: string, baseUrl: string): boolean {
  return url === baseUrl || url.startsWith(`${baseUrl}/`) || url.startsWith(`${baseUrl}?`);
}

/**
 * The headers of one attempt: the request's own, plus the client-wide headers and
 * `Authorization: Bearer <credential>` where the request does not set them. A URL outside the
 * platform gets neither, so a key never leaks to another origin. The provider's own failures
 * propagate unchanged; aborting `signal` while it runs rejects with `client/aborted`.
 */
export async function attemptHeaders(
  url: string,
  own: Headers,
  defaults: RequestDefaults,
  signal: AbortSignal | null,
): Promise<Headers> {
  const headers = new Headers(own);
  if (!isForPlatform(url, defaults.baseUrl)) return headers;
  for (const [name, value] of Object.entries(defaults.headers ?? {})) {
    if (!headers.has(name)) headers.set(name, value);
  }
  const { credential } = defaults;
  if (headers.has('Authorization') || !credential) return headers;
  let token: string | undefined;
  if (typeof credential === 'string') token = credential;
  else if (!signal) token = await credential();
  else {
    try {
      token = await raceAbort(Promise.resolve().then(credential), signal);
    } catch (error) {
      throw signal.aborted ? abortedError(signal.reason) : error;
    }
  }
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return headers;
}
