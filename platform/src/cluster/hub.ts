import { createMemoryRateLimiter } from '../services/rate-limit/memory.js';
import type { RateLimiter } from '../services/rate-limit/types.js';
import {
  type ErrorReporter,
  isOurs,
  type Operations,
  type PrimaryMessage,
  TAG,
  type WorkerMessage,
} from './protocol.js';

/** One worker as the hub sees it. `send` throws (or calls back with an error) once it is gone. */
export interface HubPeer {
  readonly id: string;
  send(message: PrimaryMessage, onError: (error: Error) => void): void;
}

export interface HubConnection {
  /** Handles a message from the worker; false when it is not one of ours. */
  receive(message: unknown): boolean;
  /** The worker is gone: its pending acknowledgements stop being awaited. */
  disconnect(): void;
}

/** The primary's side of the cluster services, independent of how messages travel. */
export interface Hub {
  connect(peer: HubPeer): HubConnection;
  close(): Promise<void>;
}

export interface HubOptions {
  /** Serves the workers' rate limits; default a memory limiter the hub owns (and closes). */
  limiter?: RateLimiter;
  /** How long a publish waits for a live worker's acknowledgement; default 5000 ms. */
  ackTimeoutMs?: number;
  onError?: ErrorReporter;
}

interface Delivery {
  waiting: Set<Peer>;
  timer: NodeJS.Timeout | undefined;
  finish(): void;
}

interface Peer {
  id: string;
  attached: number;
  gone: boolean;
  send(message: PrimaryMessage): void;
  deliveries: Set<Delivery>;
}

export function createHub(options: HubOptions = {}): Hub {
  const limiter = options.limiter ?? createMemoryRateLimiter();
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  const onError = options.onError ?? (() => {});
  const attached = new Set<Peer>();
  const deliveries = new Map<number, Delivery>();
  let nextDelivery = 1;

  function settle(delivery: Delivery, peer: Peer) {
    delivery.waiting.delete(peer);
    peer.deliveries.delete(delivery);
    if (delivery.waiting.size === 0) delivery.finish();
  }

  /** Stops sending the peer deliveries and stops waiting for the ones it has not acknowledged. */
  function detach(peer: Peer) {
    peer.attached = 0;
    attached.delete(peer);
    for (const delivery of [...peer.deliveries]) settle(delivery, peer);
  }

  function forget(peer: Peer) {
    peer.gone = true;
    detach(peer);
  }

  function publish(channel: string, message: Operations['bus.publish']['body']['message'], done: () => void) {
    const id = nextDelivery++;
    const delivery: Delivery = {
      waiting: new Set(attached),
      timer: undefined,
      finish() {
        clearTimeout(delivery.timer);
        deliveries.delete(id);
        done();
      },
    };
    if (delivery.waiting.size === 0) return done();
    deliveries.set(id, delivery);
    delivery.timer = setTimeout(() => {
      onError('cluster: workers did not acknowledge a bus message in time', {
        channel,
        workers: [...delivery.waiting].map((p) => p.id),
        ackTimeoutMs,
      });
      for (const peer of delivery.waiting) peer.deliveries.delete(delivery);
      delivery.waiting.clear();
      delivery.finish();
    }, ackTimeoutMs);
    for (const peer of [...delivery.waiting]) {
      peer.deliveries.add(delivery);
      peer.send({ $: TAG, kind: 'deliver', delivery: id, channel, message });
    }
  }

  async function serve(peer: Peer, op: string, body: unknown): Promise<unknown> {
    switch (op) {
      case 'bus.attach':
        if (peer.attached++ === 0) attached.add(peer);
        return null;
      case 'bus.detach':
        if (peer.attached > 0 && --peer.attached === 0) detach(peer);
        return null;
      case 'bus.publish': {
        const { channel, message } = body as Operations['bus.publish']['body'];
        return new Promise<null>((resolve) => publish(channel, message, () => resolve(null)));
      }
      case 'rate-limit.take': {
        const { key, rule } = body as Operations['rate-limit.take']['body'];
        return limiter.take(key, rule);
      }
      case 'rate-limit.forget': {
        const { text } = body as Operations['rate-limit.forget']['body'];
        return limiter.forget(text).then(() => null);
      }
      default:
        throw new Error(`unknown operation ${op}`);
    }
  }

  return {
    connect(remote) {
      const peer: Peer = {
        id: remote.id,
        attached: 0,
        gone: false,
        deliveries: new Set(),
        send(message) {
          if (peer.gone) return;
          const lost = (error: Error) => {
            if (peer.gone) return;
            onError('cluster: a worker could not be reached', { worker: peer.id, error: error.message });
            forget(peer);
          };
          try {
            remote.send(message, lost);
          } catch (error) {
            lost(error as Error);
          }
        },
      };

      return {
        receive(message) {
          if (!isOurs<WorkerMessage>(message)) return false;
          if (peer.gone) return true;
          if (message.kind === 'delivered') {
            const delivery = deliveries.get(message.delivery);
            if (delivery?.waiting.has(peer)) settle(delivery, peer);
            return true;
          }
          const { id } = message;
          serve(peer, message.op, message.body).then(
            (value) => peer.send({ $: TAG, kind: 'response', id, ok: true, value }),
            (error: Error) =>
              peer.send({
                $: TAG,
                kind: 'response',
                id,
                ok: false,
                error: { name: error.name, message: error.message },
              }),
          );
          return true;
        },
        disconnect: () => forget(peer),
      };
    },

    async close() {
      for (const delivery of [...deliveries.values()]) {
        for (const peer of delivery.waiting) peer.deliveries.delete(delivery);
        delivery.waiting.clear();
        delivery.finish();
      }
      attached.clear();
      if (!options.limiter) await limiter.close();
    },
  };
}
