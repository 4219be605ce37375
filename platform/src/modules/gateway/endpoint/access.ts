import type { EndpointCall } from '../../../http/endpoints.js';
import { ApiError } from '../../../http/problem.js';
import { rateLimitHeaders } from '../../../services/rate-limit/index.js';
import type { Services } from '../../../services.js';
import { hashCredential } from '../../keys/credential.js';
import type { Caller } from './types.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** JSON-RPC's "server error" number for failures before any message is read (auth, routing, limits). */
const HTTP_FAILURE = -32000;

/**
 * An HTTP error whose body is a JSON-RPC error (decision 0035): MCP clients read the body of a
 * failed POST as JSON-RPC, never as problem+json. `data.code` is the platform's stable code.
 */
export function httpError(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string>,
  rpcCode = HTTP_FAILURE,
): Response {
  const body = { jsonrpc: '2.0', id: null, error: { code: rpcCode, message, data: { code, requestId } } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/** The caller of a gateway request, or the HTTP error to answer with. */
export async function admit(
  services: Services,
  call: Pick<EndpointCall, 'header'>,
  slug: string,
  requestId: string,
  headers: Record<string, string>,
): Promise<{ caller: Caller; tokenHash(): string } | Response> {
  const authorization = call.header('authorization');
  let principal: Awaited<ReturnType<Services['authenticate']>>;
  try {
    principal = await services.authenticate(authorization, ['workspaceToken']);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return httpError(error.status, error.code, error.detail ?? error.title, requestId, {
      ...headers,
      ...error.extra.headers,
    });
  }
  // A token of another workspace learns nothing about this one: the same 404 as an unknown slug.
  const workspace = await services.workspaces.bySlug(slug);
  if (!workspace || workspace.id !== principal.workspaceId || !principal.role || !principal.credentialId) {
    return httpError(404, 'workspaces/not-found', `No workspace ${slug} for this token.`, requestId, headers);
  }
  return {
    caller: {
      workspace,
      role: principal.role,
      memberId: principal.memberId ?? null,
      tokenId: principal.credentialId,
    },
    // What a revocation names (`workspaces.tokens-revoked`): open streams of the token close on it.
    // Only streams need it, so a plain request does not pay for the hash.
    tokenHash: () => hashCredential(BEARER.exec(authorization!)![1]!),
  };
}

/**
 * Takes `cost` (the JSON-RPC requests of the message; notifications and responses are free) from
 * the token's allowance at the workspace's requests per minute: the RateLimit headers to send, or
 * a 429 with Retry-After. The limiter is shared by every worker, and every node with Redis.
 */
export async function charge(
  services: Services,
  caller: Caller,
  cost: number,
  requestId: string,
  headers: Record<string, string>,
): Promise<Record<string, string> | Response> {
  const { requestsPerMinute } = services.workspaces.limitsOf(caller.workspace);
  const rule = { limit: requestsPerMinute, windowSeconds: 60 };
  if (cost > requestsPerMinute) {
    // No wait makes this batch affordable: say so, without a Retry-After that would never come true
    // (a cost of 0 reads the allowance without taking from it).
    const state = rateLimitHeaders(
      await services.rateLimiter.take(`gateway:${caller.tokenId}`, { ...rule, cost: 0 }),
    );
    return httpError(
      429,
      'gateway/rate-limited',
      `A batch of ${cost} requests exceeds the ${requestsPerMinute} requests per minute of a token: split it.`,
      requestId,
      { ...headers, ...state },
    );
  }
  const result = await services.rateLimiter.take(`gateway:${caller.tokenId}`, { ...rule, cost });
  const limitHeaders = rateLimitHeaders(result);
  if (result.allowed) return limitHeaders;
  return httpError(
    429,
    'gateway/rate-limited',
    `At most ${requestsPerMinute} requests per minute per token; retry in ${result.retryAfterSeconds} s.`,
    requestId,
    { ...headers, ...limitHeaders },
  );
}
