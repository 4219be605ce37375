import { createSsrfGuard, type Resolver } from '../../lib/ssrf.js';
import type { Services } from '../../services.js';
import { createServers, type Servers } from './servers.js';
import { createUpstreams, type Upstreams } from './upstream.js';

export interface GatewayService {
  servers: Servers;
  upstreams: Upstreams;
  close(): Promise<void>;
}

/**
 * The gateway's servers and upstream pool, sharing one SSRF guard. `resolve` replaces DNS (tests
 * answer with private and metadata addresses without sending a query).
 */
export function createGatewayService(
  services: Services,
  options: { resolve?: Resolver } = {},
): GatewayService {
  const guard = createSsrfGuard({
    allowHosts: services.config.gateway.allowHosts,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  const servers = createServers(services, { guard, upstreams: () => upstreams });
  const upstreams: Upstreams = createUpstreams({
    services,
    guard,
    // Only enabled servers are in the gateway: a disabled one's list change concerns no client.
    recordOf: async (workspaceId, serverId) =>
      (await servers.enabledFor(workspaceId)).find((s) => s.id === serverId) ?? null,
    onHealth: (server, sample) => servers.recordHealth(server, sample),
    hosted: (url) =>
      services.hosting?.catalog.targetOf(url)
        ? (target, init) => services.hosting.catalog.fetchHosted(target, init)
        : null,
  });
  return {
    servers,
    upstreams,
    async close() {
      await upstreams.close();
      await servers.close();
    },
  };
}
