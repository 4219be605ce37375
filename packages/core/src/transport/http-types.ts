import type { Client, ClientPathsWithMethod, FetchResponse, MaybeOptionalInit } from 'openapi-fetch';
import type { paths } from '../generated/openapi';
import type { TransportCallOptions, TransportFetch } from './transport-fetch';

/** The HTTP methods the spec uses. */
export type HttpMethodName = 'get' | 'put' | 'post' | 'delete' | 'patch';

// biome-ignore lint/complexity/noBannedTypes: `{} extends Pick<T, K>` is the standard test for an optional key.
type RequiredKeysOf<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/** The init argument of an operation: optional when the operation needs no params and no body. */
type InitArgs<Init> =
  RequiredKeysOf<Init> extends never ? [(Init & TransportCallOptions)?] : [Init & TransportCallOptions];

/**
 * The parsed 2xx body of operation `Method Path`.
 *
 * @example
 * type Account = HttpData<'/v1/account', 'get'>;
 */
export type HttpData<Path extends keyof paths, Method extends HttpMethodName, Init = unknown> =
  paths[Path] extends Record<Method, Record<string | number, unknown>>
    ? Exclude<FetchResponse<paths[Path][Method], Init, `${string}/${string}`>['data'], undefined>
    : never;

/**
 * One typed method of `client.http`: the path is checked against the spec, `params` and
 * `body` are typed from it, and the promise resolves with the parsed 2xx body or rejects with
 * an `AerostackError`.
 *
 * @example
 * const project = await client.http.GET('/v1/projects/{projectId}', { params: { path: { projectId } } });
 */
export type HttpMethod<Method extends HttpMethodName> = <
  Path extends ClientPathsWithMethod<Client<paths>, Method>,
  Init extends MaybeOptionalInit<paths[Path], Method>,
>(
  path: Path,
  ...init: InitArgs<Init>
) => Promise<HttpData<Path, Method, Init>>;

/**
 * The typed low-level transport SDK modules are built on: one method per HTTP verb, typed
 * from the OpenAPI spec, with retries, per-attempt timeouts, `AbortSignal`, and every non-2xx
 * turned into an `AerostackError`.
 *
 * @example
 * const { data, nextCursor } = await client.http.GET('/v1/projects', { params: { query: { limit: 10 } } });
 */
export interface Http {
  GET: HttpMethod<'get'>;
  PUT: HttpMethod<'put'>;
  POST: HttpMethod<'post'>;
  DELETE: HttpMethod<'delete'>;
  PATCH: HttpMethod<'patch'>;
  /**
   * The underlying openapi-fetch client, for when you need the `Response` (headers, a stream
   * with `parseAs: 'stream'`). It sends through the same transport, so it throws too.
   */
  readonly raw: Client<paths>;
  /** The transport's fetch itself: retries, deadlines and error unwrapping for any `Request`. */
  readonly fetch: TransportFetch;
}
