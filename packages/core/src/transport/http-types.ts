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
 * A request body `http.request` sends as it is, without buffering it: text, bytes, a Blob or
 * File, form data, or a stream of bytes.
 *
 * @example
 * const body: RequestBody = await fs.openAsBlob('backup.tar');
 */
export type RequestBody =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | FormData
  | URLSearchParams
  | ReadableStream<Uint8Array>;

/**
 * What `http.request` sends: a method, headers and any body, with the per-call transport
 * settings.
 *
 * @example
 * await client.http.request(path, { method: 'PUT', body: file, headers: { 'Content-Type': 'application/octet-stream' } });
 */
export interface HttpRequestInit extends TransportCallOptions {
  /** The HTTP method; default `GET`. */
  method?: string | undefined;
  /** Headers of this request; the client's own and the credential are added unless given here. */
  headers?: Record<string, string> | Headers | undefined;
  /**
   * The body, sent without being buffered. Strings, bytes (`Uint8Array`, `ArrayBuffer`,
   * `Buffer`), Blobs and forms can be sent again, so an idempotent request with one is retried;
   * a `ReadableStream` is streamed (`duplex: 'half'`) and cannot be replayed, so a request with
   * one is sent once and never retried.
   */
  body?: RequestBody | null | undefined;
}

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
   * Sends any request to a path of the platform, for operations whose body or response is
   * bytes, with the client's headers, credential, retries and deadline. Resolves with the 2xx
   * `Response` (or a 304 answering your own `If-None-Match`); anything else rejects with an
   * `AerostackError`. A JSON response body is read within the deadline; any other (bytes, an
   * event stream) is handed over as it arrives, and only the `signal` ends it.
   *
   * @example
   * const file = await fs.openAsBlob('backup.tar');
   * await client.http.request(path, { method: 'PUT', body: file.stream(), headers: { 'Content-Type': 'application/octet-stream' } });
   * const download = await client.http.request(path, { signal });
   * for await (const chunk of download.body!) out.write(chunk);
   */
  request(path: `/${string}`, init?: HttpRequestInit): Promise<Response>;
  /**
   * The underlying openapi-fetch client, for when you need the `Response` (headers, a stream
   * with `parseAs: 'stream'`). It sends through the same transport, so it throws too.
   */
  readonly raw: Client<paths>;
  /**
   * The transport's fetch itself, for any `Request`: the client's headers and credential (for
   * the platform's URLs only), retries, deadlines and error unwrapping. A JSON, text or
   * urlencoded body is read once and may be retried; any other body (bytes, a Blob, multipart,
   * a stream) is sent once, as the `Request` was made, never buffered.
   */
  readonly fetch: TransportFetch;
}
