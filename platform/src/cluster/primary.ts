import nodeCluster, { type Cluster, type Worker } from 'node:cluster';
import { createHub, type HubConnection, type HubOptions } from './hub.js';

export interface PrimaryHub {
  /** Stops serving the workers (call after they have exited). */
  close(): Promise<void>;
}

/**
 * Serves the cluster bus and the cluster rate limiter to every worker this primary forks (now or
 * later): relays bus messages with acknowledgements and answers rate-limit requests from its
 * memory limiter. A worker that exits or disconnects is no longer waited for.
 */
export function startPrimaryHub(options: HubOptions & { cluster?: Cluster } = {}): PrimaryHub {
  const cluster = options.cluster ?? nodeCluster;
  if (!cluster.isPrimary) throw new Error('startPrimaryHub runs in the primary process');
  const hub = createHub(options);
  const connections = new Map<number, HubConnection>();

  const onMessage = (worker: Worker, message: unknown) => {
    let connection = connections.get(worker.id);
    if (!connection) {
      if (worker.isDead()) return;
      connection = hub.connect({
        id: String(worker.process.pid ?? worker.id),
        send: (reply, onError) => {
          if (!worker.isConnected()) return onError(new Error('worker disconnected'));
          worker.send(reply, undefined, (error: Error | null) => error && onError(error));
        },
      });
      connections.set(worker.id, connection);
    }
    connection.receive(message);
  };
  const onGone = (worker: Worker) => {
    connections.get(worker.id)?.disconnect();
    connections.delete(worker.id);
  };

  cluster.on('message', onMessage);
  cluster.on('disconnect', onGone);
  cluster.on('exit', onGone);

  return {
    async close() {
      cluster.off('message', onMessage);
      cluster.off('disconnect', onGone);
      cluster.off('exit', onGone);
      for (const connection of connections.values()) connection.disconnect();
      connections.clear();
      await hub.close();
    },
  };
}
