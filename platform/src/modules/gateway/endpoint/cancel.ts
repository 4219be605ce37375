import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Bus } from '../../../services/bus/index.js';
import { CancelledError } from './errors.js';

const CHANNEL = 'gateway.cancel';

/**
 * Cancellation for the stateless Streamable HTTP endpoint. A client cancels request N with a
 * `notifications/cancelled` in a POST of its own, which may land on any worker or node, while
 * request N runs where its own POST landed. So every forwarded request registers here under its
 * token and JSON-RPC id, and a cancellation is published on the bus: whichever worker runs the
 * request aborts it (and with it the upstream request). Keyed by token, a client can only ever
 * cancel its own requests.
 */
export function createCancellations(bus: Bus) {
  const running = new Map<string, Set<AbortController>>();
  const keyOf = (tokenId: string, id: RequestId) =>
    typeof id === 'number' ? `${tokenId} ${id}` : `${tokenId} ${JSON.stringify(id)}`;

  bus.subscribe(CHANNEL, (message) => {
    const key = (message as { key?: unknown } | null)?.key;
    if (typeof key !== 'string') return;
    for (const controller of running.get(key) ?? [])
      controller.abort(new CancelledError('cancelled by the client'));
  });

  return {
    /** Runs `work` with a signal that also aborts when the client cancels request `id`. */
    async track<T>(
      tokenId: string,
      id: RequestId,
      /** Another reason to abort (the SDK's request signal), if any. */
      signal: AbortSignal | undefined,
      /** Given the tracked signal and its controller, which is the work's to abort too. */
      work: (signal: AbortSignal, controller: AbortController) => Promise<T>,
    ) {
      const key = keyOf(tokenId, id);
      const controller = new AbortController();
      const set = running.get(key);
      if (set) set.add(controller);
      else running.set(key, new Set([controller]));
      // A listener rather than AbortSignal.any: this runs on every forwarded call.
      const follow = signal && (() => controller.abort(signal.reason));
      if (follow) {
        if (signal.aborted) follow();
        else signal.addEventListener('abort', follow, { once: true });
      }
      try {
        return await work(controller.signal, controller);
      } finally {
        if (follow) signal.removeEventListener('abort', follow);
        const now = running.get(key);
        now?.delete(controller);
        if (now?.size === 0) running.delete(key);
      }
    },
    /** Tells every worker that the token's client cancelled request `id`. */
    cancel(tokenId: string, id: RequestId): Promise<void> {
      return bus.publish(CHANNEL, { key: keyOf(tokenId, id) });
    },
  };
}

export type Cancellations = ReturnType<typeof createCancellations>;
