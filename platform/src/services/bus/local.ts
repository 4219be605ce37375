import { checkChannel, closedError, createHandlers, encode } from './handlers.js';
import { randomNodeId } from './node-id.js';
import type { Bus, ErrorReporter, JsonValue } from './types.js';

/**
 * The bus of a single process: `publish` runs every handler (and awaits the promises they
 * return) before it resolves. Messages are copied through JSON, as on every other bus.
 */
export function createLocalBus(options: { nodeId?: string; onError?: ErrorReporter } = {}): Bus {
  const nodeId = options.nodeId ?? randomNodeId();
  const handlers = createHandlers(options.onError);
  let closed = false;

  return {
    nodeId,
    async publish(channel, message) {
      if (closed) throw closedError();
      checkChannel(channel);
      const copy = JSON.parse(encode(message)) as JsonValue;
      await handlers.dispatch(copy, { channel, origin: nodeId });
    },
    subscribe: (channel, handler) => handlers.subscribe(channel, handler),
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
