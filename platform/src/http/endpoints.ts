import type { Reply } from './reply/reply.js';

/**
 * An endpoint outside the spec's conventions: the MCP gateway's JSON-RPC at `/ws/{workspace}`,
 * JWKS, OAuth callbacks, an OpenAI-compatible API, signed URLs, the docs. Each one is registered
 * here explicitly (by the core or by a module's `endpoints`), names its error envelope and the
 * decision record that explains why it is not a spec operation, and is listed in
 * docs/endpoints.md. The route-coverage test knows them: anything else the app serves is a bug.
 */
export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  /** A path template like the spec's, e.g. `/ws/{workspace}`. */
  path: string;
  description: string;
  /** How this endpoint reports errors, e.g. `problem+json`, `json-rpc`, `oauth2`. */
  errors: string;
  /** The decision record, e.g. `docs/decisions/0012-endpoints-outside-the-spec.md`. */
  decision: string;
  /**
   * A web `Response`, or a `Reply` (a string or bytes body is written in one go, without the
   * stream a `Response` body is read through: the cheaper answer on a hot path).
   */
  handle(call: EndpointCall): Response | Reply | Promise<Response | Reply>;
}

/** What an endpoint is called with. */
export interface EndpointCall {
  /**
   * The request (its URL's host is not meaningful: route by path). Built on first use; once
   * `body()` has been read, it is built without a body.
   */
  readonly request: Request;
  /** The body's chunks as they arrive, read once: cheaper than `request.body` (no web stream). */
  body(): AsyncIterable<Uint8Array>;
  /** A request header by lower-case name, without building `request`. */
  header(name: string): string | undefined;
  /** The client's address (see `clientIpOf`), for limits keyed by IP. */
  readonly clientIp: string;
  /** The path template's parameters, percent-decoded. */
  readonly params: Record<string, string>;
  readonly requestId: string;
  /** Headers every response carries (request id, CORS, worker id): spread them into the answer. */
  readonly baseHeaders: Record<string, string>;
}
