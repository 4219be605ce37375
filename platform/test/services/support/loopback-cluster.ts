import { createHub, type HubOptions } from '../../../src/cluster/hub.js';
import { connectToPrimary, type WorkerLink, type WorkerTransport } from '../../../src/cluster/link.js';

// The hub and worker links of a node, in one process: each message is copied through JSON and
// delivered on a later turn, in order, as the IPC channel of node:cluster does. The real
// channel is exercised in test/cluster with real worker processes.

export interface LoopbackWorker {
  link: WorkerLink;
  /** The worker dies: the hub sees it disconnect, its pending requests fail. */
  kill(): void;
}

export function loopbackCluster(options: HubOptions = {}) {
  const hub = createHub(options);
  const workers: LoopbackWorker[] = [];

  function addWorker(): LoopbackWorker {
    let alive = true;
    const toWorker = new Set<(message: unknown) => void>();
    const onDisconnect = new Set<() => void>();
    const gone = () => new Error('channel closed');
    const later = (deliver: () => void) => setImmediate(() => alive && deliver());

    const connection = hub.connect({
      id: `worker-${workers.length + 1}`,
      send(message, onError) {
        if (!alive) return onError(gone());
        const text = JSON.stringify(message);
        later(() => {
          for (const listener of toWorker) listener(JSON.parse(text));
        });
      },
    });
    const transport: WorkerTransport = {
      send(message, onError) {
        if (!alive) return onError(gone());
        const text = JSON.stringify(message);
        later(() => connection.receive(JSON.parse(text)));
      },
      onMessage(listener) {
        toWorker.add(listener);
        return () => toWorker.delete(listener);
      },
      onDisconnect(listener) {
        onDisconnect.add(listener);
        return () => onDisconnect.delete(listener);
      },
    };
    const worker: LoopbackWorker = {
      link: connectToPrimary({ transport }),
      kill() {
        if (!alive) return;
        alive = false;
        connection.disconnect();
        for (const listener of onDisconnect) listener();
      },
    };
    workers.push(worker);
    return worker;
  }

  return {
    hub,
    addWorker,
    async close() {
      for (const worker of workers) {
        worker.link.close();
        worker.kill();
      }
      await hub.close();
    },
  };
}
