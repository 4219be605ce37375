import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../services/bus/types.js';
import {
  ClusterError,
  type ErrorReporter,
  isOurs,
  type Operation,
  type Operations,
  type PrimaryMessage,
  TAG,
  type WorkerMessage,
} from './protocol.js';

/** How a worker's messages reach the primary: `process` in a real worker, a pair in tests. */
export interface WorkerTransport {
  send(message: WorkerMessage, onError: (error: Error) => void): void;
  /** Returns the function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
  onDisconnect(listener: () => void): () => void;
}

/** The IPC channel of a `node:cluster` (or `child_process.fork`) worker. */
export function processTransport(): WorkerTransport {
  if (typeof process.send !== 'function') {
    throw new ClusterError('cluster/not-a-worker', 'this process has no IPC channel to a primary');
  }
  return {
    send: (message, onError) => {
      process.send!(message, undefined, {}, (error: Error | null) => error && onError(error));
    },
    onMessage(listener) {
      process.on('message', listener);
      return () => process.off('message', listener);
    },
    onDisconnect(listener) {
      process.on('disconnect', listener);
      return () => process.off('disconnect', listener);
    },
  };
}

export type DeliveryHandler = (channel: string, message: JsonValue) => Promise<void>;

/** A worker's connection to the primary hub. Create one per process and share it. */
export interface WorkerLink {
  /** Asks the primary; rejects with `ClusterError` after `timeoutMs` or when the primary is gone. */
  request<O extends Operation>(
    op: O,
    body: Operations[O]['body'],
    options?: { timeoutMs?: number },
  ): Promise<Operations[O]['value']>;
  /**
   * Receives the node's bus messages from now on (the hub acknowledges each once every handler's
   * promise has settled). Resolves when the primary has registered this worker.
   */
  attachBus(handler: DeliveryHandler): Promise<() => Promise<void>>;
  close(): void;
}

export function connectToPrimary(
  options: { transport?: WorkerTransport; timeoutMs?: number; onError?: ErrorReporter } = {},
): WorkerLink {
  const transport = options.transport ?? processTransport();
  const defaultTimeoutMs = options.timeoutMs ?? 10_000;
  const onError = options.onError ?? (() => {});
  // Ids are unique to this link, so a second link in the same process never takes our answers.
  const prefix = randomBytes(4).toString('hex');
  let nextId = 1;
  const pending = new Map<
    string,
    { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();
  const deliveryHandlers = new Set<DeliveryHandler>();
  let attaching: Promise<unknown> | null = null;
  let closed = false;

  const send = (message: WorkerMessage) =>
    transport.send(message, (error) =>
      onError('cluster: the primary could not be reached', { error: error.message }),
    );

  function failAll(error: ClusterError) {
    for (const [id, request] of pending) {
      clearTimeout(request.timer);
      pending.delete(id);
      request.reject(error);
    }
  }

  function deliver(message: Extract<PrimaryMessage, { kind: 'deliver' }>) {
    // Handlers start in arrival order; the acknowledgement waits for all of them.
    const running = [...deliveryHandlers].map((handler) => handler(message.channel, message.message));
    Promise.allSettled(running).then(() => {
      if (!closed) send({ $: TAG, kind: 'delivered', delivery: message.delivery });
    });
  }

  const stopMessages = transport.onMessage((message) => {
    if (!isOurs<PrimaryMessage>(message)) return;
    if (message.kind === 'deliver') return deliver(message);
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    clearTimeout(request.timer);
    if (message.ok) request.resolve(message.value);
    else {
      const error =
        message.error.name === 'RangeError'
          ? new RangeError(message.error.message)
          : new Error(message.error.message);
      request.reject(error);
    }
  });
  const stopDisconnect = transport.onDisconnect(() =>
    failAll(new ClusterError('cluster/disconnected', 'the connection to the primary is closed')),
  );

  const link: WorkerLink = {
    request(op, body, requestOptions) {
      if (closed) return Promise.reject(new ClusterError('cluster/disconnected', 'the link is closed'));
      const id = `${prefix}.${nextId++}`;
      const timeoutMs = requestOptions?.timeoutMs ?? defaultTimeoutMs;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(
            new ClusterError('cluster/timeout', `the primary did not answer ${op} within ${timeoutMs} ms`),
          );
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        send({ $: TAG, kind: 'request', id, op, body });
      });
    },

    async attachBus(handler) {
      deliveryHandlers.add(handler);
      if (!attaching) attaching = link.request('bus.attach', {});
      try {
        await attaching;
      } catch (error) {
        deliveryHandlers.delete(handler);
        attaching = null;
        throw error;
      }
      return async () => {
        if (!deliveryHandlers.delete(handler) || deliveryHandlers.size > 0) return;
        attaching = null;
        await link.request('bus.detach', {}).catch(() => {});
      };
    },

    close() {
      if (closed) return;
      closed = true;
      stopMessages();
      stopDisconnect();
      failAll(new ClusterError('cluster/disconnected', 'the link is closed'));
    },
  };
  return link;
}
