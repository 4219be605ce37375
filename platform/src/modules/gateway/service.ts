import { createSsrfGuard, type Resolver } from '../../lib/ssrf.js';
import type { Services } from '../../services.js';
import { HOSTING_CHANGED } from '../hosting/loader.js';
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
  // A hosted MCP server's deploy may change its tools: every node drops its cached lists of the
  // servers naming that project (decision 0051).
  const unsubscribe = services.bus.subscribe(HOSTING_CHANGED, (message) => {
    const { projectId } = message as { projectId: string };
    upstreams.dropListsWhere((url) => services.hosting?.catalog.targetOf(url)?.projectId === projectId);
  });
  return {
    servers,
    upstreams,
    async close() {
      unsubscribe();
      await upstreams.close();
      await servers.close();
    },
  };
}
