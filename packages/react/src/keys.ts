import type { AerostackClient } from '@aerostack/core';

/**
 * The root of every query key this package writes: `['aerostack', client.url]`.
 * Keys hold the platform's URL (never a credential), so data read from two platforms never
 * mixes, and data prefetched on the server with one client hydrates the browser's client for
 * the same platform. Clients for two projects of one platform should use two QueryClients.
 *
 * @example
 * ```ts
 * // Forget everything read through `client`, e.g. after signing out.
 * queryClient.removeQueries({ queryKey: aerostackKeys.all(client) });
 * ```
 */
export const aerostackKeys = {
  /** Every query of `client`. */
  all: (client: Pick<AerostackClient, 'url'>) => ['aerostack', client.url] as const,
};
