import type { WorkerLink } from '../../cluster/link.js';
import { checkChannel, closedError, createHandlers, encode } from './handlers.js';
import { currentNodeId } from './node-id.js';
import type { Bus, ErrorReporter, JsonValue } from './types.js';

/**
 * The bus of one worker among the workers of a node: `publish` goes to the primary, which
 * delivers to every worker (this one included) and answers once they have all run their
 * handlers — so when `publish` resolves, every worker on the node has seen the message.
 */
export async function createClusterBus(options: {
  link: WorkerLink;
  nodeId?: string;
  onError?: ErrorReporter;
}): Promise<Bus> {
  const nodeId = options.nodeId ?? currentNodeId();
  const handlers = createHandlers(options.onError);
  const detach = await options.link.attachBus((channel, message) =>
    handlers.dispatch(message, { channel, origin: nodeId }),
  );
  let closed = false;

  return {
    nodeId,
    async publish(channel, message) {
      if (closed) throw closedError();
      checkChannel(channel);
      // The IPC channel serialises to JSON too; encoding first refuses what it would silently change.
      const copy = JSON.parse(encode(message)) as JsonValue;
      await options.link.request('bus.publish', { channel, message: copy });
    },
    subscribe: (channel, handler) => handlers.subscribe(channel, handler),
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await detach();
    },
  };
}
