import type { Incoming } from './incoming.js';

/**
 * The client's address, for limits keyed by IP: the peer address, or, behind a proxy the operator
 * named (`AEROSTACK_CLIENT_IP_HEADER`), the first entry of that header. The header is never read
 * otherwise: a client could write any address into it. `local` when neither is known (in-process).
 */
export function clientIpOf(req: Incoming, header: string | null): string {
  if (header) {
    const first = req.header(header)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.remoteAddress ?? 'local';
}
