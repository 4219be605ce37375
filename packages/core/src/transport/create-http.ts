import createFetchClient, { type Client } from 'openapi-fetch';
import { MAX_RETRIES } from '../generated/behaviour';
import type { paths } from '../generated/openapi';
import type { Credential } from './credential';
import type { Http, HttpMethodName, HttpRequestInit } from './http-types';
import type { FetchBody } from './outgoing';
import type { FetchLike } from './send-once';
import { createTransport, type TransportCallOptions } from './transport-fetch';

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
  /**
   * Sent as `Authorization: Bearer <credential>` on every request to the platform: a key, or a
   * provider asked before each attempt. Omit it for public endpoints.
   */
  credential?: Credential;
  /** The fetch to send with; `globalThis.fetch` by default. */
  fetch?: FetchLike | undefined;
  /** Deadline of each attempt in milliseconds; default 30 000. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, of calls that are safe to repeat; default 2. */
  maxRetries?: number | undefined;
  /** Headers sent with every request. */
  headers?: Record<string, string> | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

type UntypedMethod = (path: string, init?: Record<string, unknown>) => Promise<{ data?: unknown }>;

/** How openapi-fetch reads a body it is asked to hand over unread. */
const LIVE_PARSE_AS = new Set(['stream', 'blob', 'arrayBuffer']);

/**
 * Creates the typed transport (`client.http`) for SDK modules: openapi-fetch over the spec's
 * `paths`, sending through a fetch that authenticates, retries, times out and throws
 * `AerostackError`.
 *
 * @example
 * const http = createHttp({ url, credential: secretKey });
 * const entry = await http.GET('/v1/cache/{key}', { params: { path: { key: 'greeting' } } });
 */
export function createHttp(options: HttpOptions): Http {
  if (!options.url) throw new TypeError('Aerostack: `url` is required, e.g. http://localhost:8787');
  const baseUrl = options.url.replace(/\/+$/, '');
  const transport = createTransport({
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? MAX_RETRIES,
    baseUrl,
    credential: options.credential,
    headers: options.headers,
  });
  // openapi-fetch tells its middleware, not its fetch, how the caller will read the body: a
  // caller who takes a stream, Blob or ArrayBuffer gets the response before the body is read,
  // so the attempt's deadline does not cut a long download.
  const live = new WeakSet<Request>();
  const raw: Client<paths> = createFetchClient<paths>({
    baseUrl,
    fetch: (request) => transport.fetch(request, {}, live.has(request)),
  });
  raw.use({
    onRequest({ request, options: { parseAs } }) {
      if (LIVE_PARSE_AS.has(parseAs)) live.add(request);
    },
  });

  const method = (name: Uppercase<HttpMethodName>) => {
    const call = raw[name] as unknown as UntypedMethod;
    return async (path: string, init: TransportCallOptions & Record<string, unknown> = {}) => {
      const { timeoutMs, maxRetries, ...rest } = init;
      const callFetch: FetchLike = (request) =>
        transport.fetch(request, { timeoutMs, maxRetries }, live.has(request));
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
    async request(path: string, init: HttpRequestInit = {}) {
      // Only paths: the credential goes to the platform and nowhere else.
      if (!path.startsWith('/')) throw new TypeError(`Aerostack: a path starts with "/", got "${path}"`);
      const { method = 'GET', headers, body = null, ...callOptions } = init;
      return transport.send(
        // Every RequestBody is a fetch body; the DOM's type is only stricter about typed arrays' buffers.
        {
          url: baseUrl + path,
          method: method.toUpperCase(),
          headers: new Headers(headers),
          body: body as FetchBody,
        },
        callOptions,
      );
    },
    raw,
    fetch: (request, callOptions) => transport.fetch(request, callOptions),
  } as Http;
}
