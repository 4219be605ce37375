import createFetchClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi';
import type { Http, HttpMethodName } from './http-types';
import type { FetchLike } from './send-once';
import { createTransportFetch, type TransportCallOptions } from './transport-fetch';

/**
 * Settings of a transport: where the platform is, which credential to send, and the defaults
 * every call starts from.
 *
 * @example
 * const http = createHttp({ url: 'http://localhost:8787', credential: process.env.AEROSTACK_ACCOUNT_KEY });
 */
export interface HttpOptions {
  /** The platform's base URL, e.g. `http://localhost:8787`. */
  url: string;
  /** Sent as `Authorization: Bearer <credential>` on every request; omit for public endpoints. */
  credential?: string | undefined;
  /** The fetch to send with; `globalThis.fetch` by default. */
  fetch?: FetchLike | undefined;
  /** Deadline of each attempt in milliseconds; default 30 000. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, for idempotent requests; default 2. */
  maxRetries?: number | undefined;
  /** Headers sent with every request. */
  headers?: Record<string, string> | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 2;

type UntypedMethod = (path: string, init?: Record<string, unknown>) => Promise<{ data?: unknown }>;

/**
 * Creates the typed transport (`client.http`) for SDK modules: openapi-fetch over the spec's
 * `paths`, sending through a fetch that retries, times out and throws `AerostackError`.
 *
 * @example
 * const http = createHttp({ url, credential: secretKey });
 * const entry = await http.GET('/v1/cache/{key}', { params: { path: { key: 'greeting' } } });
 */
export function createHttp(options: HttpOptions): Http {
  if (!options.url) throw new TypeError('Aerostack: `url` is required, e.g. http://localhost:8787');
  const send: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const transportFetch = createTransportFetch({
    fetch: send,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
  });
  const headers: Record<string, string> = { ...options.headers };
  if (options.credential) headers.Authorization = `Bearer ${options.credential}`;
  const raw: Client<paths> = createFetchClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ''),
    headers,
    fetch: (request) => transportFetch(request),
  });

  const method = (name: Uppercase<HttpMethodName>) => {
    const call = raw[name] as unknown as UntypedMethod;
    return async (path: string, init: TransportCallOptions & Record<string, unknown> = {}) => {
      const { timeoutMs, maxRetries, ...rest } = init;
      const callFetch: FetchLike = (request) => transportFetch(request, { timeoutMs, maxRetries });
      const { data } = await call(path, { ...rest, fetch: callFetch });
      return data;
    };
  };

  return {
    GET: method('GET'),
    PUT: method('PUT'),
    POST: method('POST'),
    DELETE: method('DELETE'),
    PATCH: method('PATCH'),
    raw,
    fetch: transportFetch,
  } as unknown as Http;
}
