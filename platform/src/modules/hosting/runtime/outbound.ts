import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { SsrfGuard } from '../../../lib/ssrf.js';
import { INVOCATION_HEADER, REFUSED_HEADER } from './worker-code.js';

/**
 * Every `fetch` deployed code makes leaves workerd through here (Miniflare's `outboundService`):
 * it must belong to a request in flight, counts against that request's subrequest limit, and may
 * only reach what the SSRF guard allows, checked on the addresses the connection actually uses.
 * Redirects are not followed here: workerd follows them, each hop coming through here again.
 */

/** The part of an invocation the outbound path reads and counts. */
export interface Subrequester {
  subrequests: number;
}

export interface OutboundOptions {
  guard: SsrfGuard;
  maxSubrequests: number;
  /** The invocation in flight with this id, in the project the request comes from. */
  invocation(id: string): Subrequester | undefined;
}

/** Headers not forwarded: hop-by-hop ones, ours, and Miniflare's zone marker. */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'cf-worker',
  INVOCATION_HEADER,
]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A refusal the worker's `fetch` (or a service binding's call) throws as an Error. */
export function refused(message: string): Response {
  return new Response(message, { status: 502, headers: { [REFUSED_HEADER]: '1' } });
}

/** Counts one subrequest (a fetch, a service binding's call) of `invocation`: the refusal past the limit. */
export function overSubrequests(invocation: Subrequester, maxSubrequests: number): Response | null {
  invocation.subrequests += 1;
  if (invocation.subrequests <= maxSubrequests) return null;
  return refused(
    `Too many subrequests: one request may make ${maxSubrequests} (AEROSTACK_HOSTING_MAX_SUBREQUESTS).`,
  );
}

function send(url: URL, request: Request, guard: SsrfGuard): Promise<IncomingMessage> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!DROPPED.has(name)) headers[name] = value;
  });
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const outgoing = (secure ? httpsRequest : httpRequest)(
      {
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        lookup: guard.lookup,
      },
      resolve,
    );
    outgoing.on('error', reject);
    if (request.body === null) outgoing.end();
    else Readable.fromWeb(request.body as import('node:stream/web').ReadableStream).pipe(outgoing);
  });
}

function responseOf(answer: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name === REFUSED_HEADER || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const status = answer.statusCode ?? 502;
  const empty = NULL_BODY.has(status) || method === 'HEAD';
  if (empty) answer.resume();
  const body = empty ? null : (Readable.toWeb(answer) as unknown as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: answer.statusMessage ?? '', headers });
}

/** The outbound service of one project's workerd. */
export function outboundService(options: OutboundOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const id = request.headers.get(INVOCATION_HEADER);
    const invocation = id === null ? undefined : options.invocation(id);
    if (!invocation) return refused('fetch is only allowed while the worker handles a request.');
    const over = overSubrequests(invocation, options.maxSubrequests);
    if (over) return over;
    const url = new URL(request.url);
    try {
      options.guard.checkStatic(url);
      return responseOf(await send(url, request, options.guard), request.method);
    } catch (error) {
      return refused(`fetch ${url.origin} failed: ${(error as Error).message}`);
    }
  };
}
