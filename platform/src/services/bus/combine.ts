import type { Bus } from './types.js';

/**
 * One bus from a node-local bus (in-process or cluster) and a bus between nodes (Redis or
 * PostgreSQL) that share a node id: a message goes to both; the remote copy of this node's own
 * messages is dropped, since the local bus delivered it already, before `publish` resolved.
 */
export function combineBuses(local: Bus, remote: Bus): Bus {
  if (local.nodeId !== remote.nodeId) {
    throw new RangeError(
      `combineBuses needs one node id on both buses, got ${local.nodeId} and ${remote.nodeId}`,
    );
  }
  const nodeId = local.nodeId;
  return {
    nodeId,
    async publish(channel, message) {
      // Both start now, in call order, so each keeps this publisher's order.
      await Promise.all([local.publish(channel, message), remote.publish(channel, message)]);
    },
    subscribe(channel, handler) {
      const fromHere = local.subscribe(channel, handler);
      const fromElsewhere = remote.subscribe(channel, (message, delivery) =>
        delivery.origin === nodeId ? undefined : handler(message, delivery),
      );
      return () => {
        fromHere();
        fromElsewhere();
      };
    },
    async close() {
      await Promise.all([local.close(), remote.close()]);
    },
  };
}
