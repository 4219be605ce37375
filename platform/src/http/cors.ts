// Credentials are bearer headers, never cookies, so any origin may call the API. The headers are
// added when each response is built (no middleware rebuilding responses afterwards).

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': [
    'X-Request-Id',
    'Retry-After',
    'Idempotent-Replayed',
    'RateLimit-Limit',
    'RateLimit-Remaining',
    'RateLimit-Reset',
    'ETag',
    'Content-Range',
    'Accept-Ranges',
    'X-Aerostack-Worker',
    // The MCP gateway (/ws/{workspace}): browser MCP clients read the session and version back.
    'Mcp-Session-Id',
    'Mcp-Protocol-Version',
  ].join(', '),
};

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'X-Request-Id',
  'Last-Event-ID',
  'Range',
  'If-None-Match',
  'If-Range',
  // Sent by MCP clients on every request to the gateway after initialize.
  'Mcp-Protocol-Version',
  'Mcp-Session-Id',
].join(', ');

import type { Reply } from './reply/reply.js';

/** The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflight(requestId: string): Reply {
  return {
    status: 204,
    body: null,
    headers: {
      ...CORS_HEADERS,
      'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE, PATCH',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
      'x-request-id': requestId,
    },
  };
}
