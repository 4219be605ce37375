import type { Endpoint } from '../../../http/endpoints.js';
import type { Services } from '../../../services.js';
import { createAggregator } from './aggregate.js';
import { createCalls } from './calls.js';
import { createCancellations } from './cancel.js';
import { legacySseEndpoints } from './legacy-sse.js';
import type { Gateway } from './mcp-server.js';
import { createNotifier } from './notify.js';
import { streamableEndpoints } from './streamable.js';
import { createGatewayStreams } from './streams.js';

/**
 * The workspace gateway's MCP endpoints (decision 0035): Streamable HTTP at `/ws/{workspace}` and
 * the legacy HTTP+SSE pair beside it. Built once per worker, after every module's service.
 */
export function gatewayEndpoints(services: Services): Endpoint[] {
  const aggregator = createAggregator(services);
  const gateway: Gateway = {
    services,
    aggregator,
    calls: createCalls(services, aggregator),
    cancellations: createCancellations(services.bus),
    streams: createGatewayStreams(services),
  };
  const notifier = createNotifier(services);
  return [...streamableEndpoints(gateway, notifier), ...legacySseEndpoints(gateway, notifier)];
}
