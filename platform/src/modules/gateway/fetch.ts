import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { type SsrfGuard, UrlRefusedError } from './ssrf.js';

/** Redirects one upstream request may follow; MCP servers have no reason to chain them. */
export const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that carry workspace secrets: never sent on to another origin. */
function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'cookie' || lower.startsWith('x-mcp-secret-');
}

/**
 * The `fetch` the pool's transports use. Connections go through an undici Agent whose `lookup`
 * lets the guard see (and refuse) every address a connection would use, and redirects are followed
 * here, a few at most, each hop checked again; a hop to another origin drops the secret headers, as
 * browsers drop `Authorization`.
 */
export function guardedFetch(guard: SsrfGuard): { fetch: FetchLike; close(): Promise<void> } {
  const agent = new Agent({ connect: { lookup: guard.lookup } });

  const fetch: FetchLike = async (input, init = {}) => {
    let url = new URL(String(input));
    let method = init.method ?? 'GET';
    let body = init.body;
    const headers = new Headers(init.headers);
    for (let hop = 0; ; hop++) {
      guard.checkStatic(url);
      const response = (await undiciFetch(url, {
        ...(init as object),
        method,
        body: body as string | undefined,
        headers: Object.fromEntries(headers),
        redirect: 'manual',
        dispatcher: agent,
      })) as unknown as Response;
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null) return response;
      await response.body?.cancel();
      if (hop === MAX_REDIRECTS)
        throw new UrlRefusedError(`The upstream redirected more than ${MAX_REDIRECTS} times.`);
      const next = new URL(location, url);
      if (next.origin !== url.origin)
        for (const name of [...headers.keys()]) if (isSecretHeader(name)) headers.delete(name);
      // Fetch's rules: 303, and 301/302 after a POST, continue as a GET without the body.
      if (
        response.status === 303 ||
        (method === 'POST' && response.status !== 307 && response.status !== 308)
      ) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
      }
      url = next;
    }
  };

  return { fetch, close: () => agent.close() };
}
