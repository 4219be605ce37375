import type { OpenStream } from '../../../services/streams/index.js';
import type { Services } from '../../../services.js';
import type { Caller } from './types.js';

export type GatewayStreamKind = 'notifications' | 'legacy-sse';

const scopeOf = (tokenId: string | null) => `gateway-token:${tokenId ?? ''}`;

/**
 * The gateway's event streams on the platform's registry (decision 0045): the notification streams
 * and legacy SSE sessions of one workspace token count against one cap on every worker and node
 * together, and a legacy POST learns whether the session it names is open anywhere, and whose.
 */
export function createGatewayStreams(services: Services) {
  const { streams, config } = services;
  const max = config.gateway.maxStreamsPerToken;
  return {
    /** Records a stream `caller` opens (`id`: a legacy session's); null when its token holds `max`. */
    open: (caller: Caller, kind: GatewayStreamKind, id?: string): Promise<OpenStream | null> =>
      streams.open(scopeOf(caller.tokenId), kind, max, id),

    /** Whether the legacy session `id` is open on some worker or node with the token `tokenId`. */
    async isSessionOf(id: string, tokenId: string | null): Promise<boolean> {
      const found = await streams.find(id);
      return found?.kind === 'legacy-sse' && found.scope === scopeOf(tokenId);
    },

    /** What a refused open answers. */
    tooMany: () =>
      `This token holds ${max} open event streams already: close one, or raise AEROSTACK_GATEWAY_MAX_STREAMS_PER_TOKEN.`,
  };
}

export type GatewayStreams = ReturnType<typeof createGatewayStreams>;
