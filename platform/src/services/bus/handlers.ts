import { type BusDelivery, BusError, type BusHandler, type ErrorReporter, type JsonValue } from './types.js';

// What every bus implementation shares: the subscriber registry, dispatch, and the checks
// a message passes before it leaves the publisher.

export function checkChannel(channel: string): void {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 512) {
    throw new BusError('bus/invalid-channel', 'a channel is a string of 1 to 512 characters');
  }
}

/** The message as JSON text; BusError for anything JSON cannot carry (undefined, BigInt, cycles). */
export function encode(message: JsonValue): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (error) {
    throw new BusError('bus/not-json', 'a bus message must be a JSON value', { cause: error });
  }
  if (text === undefined) throw new BusError('bus/not-json', 'a bus message must be a JSON value');
  return text;
}

export interface Handlers {
  subscribe(channel: string, handler: BusHandler): () => void;
  /** Runs every handler of the channel now, in subscription order; settles when they all have. */
  dispatch(message: JsonValue, delivery: BusDelivery): Promise<void>;
  readonly channels: number;
  clear(): void;
}

export function createHandlers(onError: ErrorReporter = () => {}): Handlers {
  const byChannel = new Map<string, Set<BusHandler>>();
  const report = (delivery: BusDelivery, error: unknown) =>
    onError('bus: a subscriber failed', {
      channel: delivery.channel,
      error: error instanceof Error ? error.message : String(error),
    });

  return {
    subscribe(channel, handler) {
      checkChannel(channel);
      // A wrapper per subscription, so one function subscribed twice is two subscriptions.
      const entry: BusHandler = (message, delivery) => handler(message, delivery);
      const set = byChannel.get(channel) ?? new Set<BusHandler>();
      byChannel.set(channel, set);
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && byChannel.get(channel) === set) byChannel.delete(channel);
      };
    },

    async dispatch(message, delivery) {
      const set = byChannel.get(delivery.channel);
      if (!set) return;
      const pending: Promise<void>[] = [];
      for (const handler of [...set]) {
        try {
          const result = handler(message, delivery);
          if (result) pending.push(result.catch((error) => report(delivery, error)));
        } catch (error) {
          report(delivery, error);
        }
      }
      await Promise.all(pending);
    },

    get channels() {
      return byChannel.size;
    },

    clear: () => byChannel.clear(),
  };
}

export const closedError = () => new BusError('bus/closed', 'the bus is closed');
