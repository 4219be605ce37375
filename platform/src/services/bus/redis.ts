import { escapeGlob } from '../../lib/redis-glob.js';
import { envelope, parseEnvelope } from './envelope.js';
import { checkChannel, closedError, createHandlers, encode } from './handlers.js';
import { randomNodeId } from './node-id.js';
import type { Bus, ErrorReporter } from './types.js';

/**
 * A bus between nodes over Redis pub/sub: one connection publishes, a dedicated one subscribes
 * to `<prefix>*` once at start, so `subscribe` is local and immediate (every node receives every
 * channel; decision 0022). Publishers receive their own messages back through Redis: combine
 * with a local bus (`combineBuses`) for delivery on the publishing node before `publish` resolves.
 */
export async function createRedisBus(options: {
  url: string;
  nodeId?: string;
  /** default `aerostack:bus:` */
  prefix?: string;
  onError?: ErrorReporter;
}): Promise<Bus> {
  const nodeId = options.nodeId ?? randomNodeId();
  const prefix = options.prefix ?? 'aerostack:bus:';
  const onError = options.onError ?? (() => {});
  const handlers = createHandlers(onError);
  // ioredis reconnects (and re-subscribes) by itself; errors are reported, not thrown.
  const report = (error: Error) => onError('bus: redis connection error', { error: error.message });
  // Loaded on demand: a deployment without Redis never pays for the client.
  const { Redis } = await import('ioredis');
  const publisher = new Redis(options.url, { maxRetriesPerRequest: 2 }).on('error', report);
  const subscriber = new Redis(options.url).on('error', report);
  subscriber.on('pmessage', (_pattern: string, _channel: string, text: string) => {
    const message = parseEnvelope(text);
    if (!message) return onError('bus: dropped a message that is not a bus envelope', { prefix });
    void handlers.dispatch(message.m, { channel: message.c, origin: message.o });
  });
  try {
    await subscriber.psubscribe(`${escapeGlob(prefix)}*`);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  let closed = false;

  return {
    nodeId,
    async publish(channel, message) {
      if (closed) throw closedError();
      checkChannel(channel);
      await publisher.publish(prefix + channel, envelope(nodeId, channel, encode(message)));
    },
    subscribe: (channel, handler) => handlers.subscribe(channel, handler),
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await Promise.all([subscriber.quit(), publisher.quit()]);
    },
  };
}
