import type { Endpoint } from '../../http/endpoints.js';
import type { Services } from '../../services.js';

const DECISION = 'docs/decisions/0050-hosted-code-layout-and-deployments.md';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Hop-by-hop headers (RFC 9110 §7.6.1) and the platform's own host: not the worker's business. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'host',
];

/**
 * Public HTTP to deployed functions: `/fn/{projectId}/{worker}/…` (no credential: the function
 * decides who it answers, as a workers.dev URL does). The request goes to the project's worker
 * with its method, headers, query and streamed body; the answer streams back as the function
 * gave it, with the platform's request id.
 */
export function functionEndpoints(services: Services): Endpoint[] {
  const origin = new URL(services.config.publicUrl).origin;
  // One route per method for the whole subtree, any depth (the router's tail parameter).
  return METHODS.map(
    (method): Endpoint => ({
      method,
      path: '/fn/{projectId}/{worker}/{path*}',
      description: 'An HTTP request to a deployed function (hosting)',
      errors: 'problem+json (before the function answers); the function’s own answers after',
      decision: DECISION,
      async handle(call) {
        const incoming = call.request;
        const headers = new Headers(incoming.headers);
        for (const name of HOP_BY_HOP) headers.delete(name);
        headers.set('x-request-id', call.requestId);
        // The worker answers unencoded: workerd's gzip holds a streamed text answer until its
        // end, and Miniflare hands the platform a gzip answer already decoded.
        headers.set('accept-encoding', 'identity');
        // `/fn/{projectId}/{worker}/a/b?x=1` → `/a/b?x=1`: what the worker sees of the URL.
        const request = new Request(`${origin}/${call.params.path}${new URL(incoming.url).search}`, {
          method: incoming.method,
          headers,
          body: incoming.body,
          duplex: 'half',
        } as RequestInit);
        const answer = await services.hosting.loader.fetch(
          call.params.projectId!,
          call.params.worker!,
          request,
        );
        const out = new Headers(answer.headers);
        for (const [name, value] of Object.entries(call.baseHeaders)) {
          if (!out.has(name)) out.set(name, value);
        }
        return new Response(answer.body, {
          status: answer.status,
          statusText: answer.statusText,
          headers: out,
        });
      },
    }),
  );
}
