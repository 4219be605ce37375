import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { ApiError } from './problem.js';

/**
 * A request as the platform reads it, whoever delivered it: Node's HTTP server (`fromNode`, the
 * served path: nothing is copied or validated beyond what a handler reads) or a web `Request`
 * (`fromRequest`: tests and in-process callers). Header names are looked up in lower case.
 */
export interface Incoming {
  /** Upper case, e.g. `GET`. */
  readonly method: string;
  /** The path as sent, still percent-encoded: `/v1/cache/a%20b`. */
  readonly path: string;
  /** The query string without `?`, still encoded; `''` when there is none. */
  readonly search: string;
  /** Bytes of the request target (path and query), for the URI length limit. */
  readonly targetLength: number;
  header(name: string): string | undefined;
  /** Whether a body follows (a non-zero `Content-Length` or a chunked body), without reading it. */
  readonly hasBody: boolean;
  /** The body's chunks as they arrive; read once. */
  body(): AsyncIterable<Uint8Array>;
  /** The peer's address, for limits keyed by IP. */
  readonly remoteAddress: string | undefined;
  /**
   * The same request as a web `Request` (built on first use: endpoints outside the spec);
   * `withBody: false` leaves the body out (its reader took it through `body()`).
   */
  toRequest(withBody?: boolean): Request;
}

/** A request target Node accepted but the platform cannot route (`GET /v1\cache`, `GET *`). */
export function malformedTarget(): ApiError {
  return new ApiError('request/malformed', 'The request target is not a valid path.');
}

/** `/a/b?c=d` → path and query; absolute-form targets (`http://host/a`) keep their path and query. */
function splitTarget(target: string): { path: string; search: string } {
  let origin = target;
  if (!origin.startsWith('/')) {
    if (!/^https?:\/\//i.test(origin)) throw malformedTarget();
    try {
      const url = new URL(origin);
      origin = url.pathname + url.search;
    } catch {
      throw malformedTarget();
    }
  }
  // WHATWG URLs read `\` as `/`; a path that means two things to two parsers is refused.
  if (origin.includes('\\')) throw malformedTarget();
  const hash = origin.indexOf('#');
  if (hash >= 0) origin = origin.slice(0, hash);
  const q = origin.indexOf('?');
  return q < 0 ? { path: origin, search: '' } : { path: origin.slice(0, q), search: origin.slice(q + 1) };
}

/** A request from Node's HTTP server; throws `request/malformed` for a target that is not a path. */
export function fromNode(req: IncomingMessage): Incoming {
  const target = req.url ?? '/';
  const { path, search } = splitTarget(target);
  const headers = req.headers;
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const length = headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
  let request: Request | undefined;
  return {
    method: req.method ?? 'GET',
    path,
    search,
    targetLength: target.length,
    header,
    hasBody,
    body: () => req,
    remoteAddress: req.socket.remoteAddress,
    toRequest(withBody = true) {
      if (request) return request;
      const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET' };
      const h = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) h.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      init.headers = h;
      if (withBody && hasBody && init.method !== 'GET' && init.method !== 'HEAD') {
        init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
        init.duplex = 'half';
      }
      request = new Request(`http://localhost${path}${search ? `?${search}` : ''}`, init);
      return request;
    },
  };
}

/** A web `Request` as an Incoming (its URL's host is ignored: the platform routes by path). */
export function fromRequest(request: Request): Incoming {
  const url = new URL(request.url);
  const search = url.search.slice(1);
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    search,
    targetLength: url.pathname.length + url.search.length,
    header: (name) => request.headers.get(name) ?? undefined,
    hasBody: request.body !== null,
    body: () => (request.body ?? []) as unknown as AsyncIterable<Uint8Array>,
    remoteAddress: undefined,
    toRequest: () => request,
  };
}
