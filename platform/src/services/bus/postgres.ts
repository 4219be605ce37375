import type pg from 'pg';
import { envelope, parseEnvelope } from './envelope.js';
import { checkChannel, closedError, createHandlers, encode } from './handlers.js';
import { randomNodeId } from './node-id.js';
import { type Bus, BusError, type ErrorReporter } from './types.js';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in its default build). */
export const MAX_NOTIFY_BYTES = 7999;

/**
 * A connection that comes back: on an error or an unexpected end it is replaced (with backoff)
 * and `setup` runs again on the new one (LISTEN). Messages sent meanwhile are lost (at most once).
 */
function lastingClient(
  Client: typeof pg.Client,
  url: string,
  setup: (client: pg.Client) => Promise<void>,
  report: (msg: string, error: Error) => void,
) {
  let closed = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<pg.Client>;

  const open = async (): Promise<pg.Client> => {
    const client = new Client({ connectionString: url });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (closed) return; // close() ends it
      client.end().catch(() => {});
      report('bus: postgres connection lost, reconnecting', error ?? new Error('connection ended'));
      timer = setTimeout(() => {
        current = open();
        current.catch(() => {}); // reported by the retry inside open
      }, delay);
      delay = Math.min(delay * 2, 5000);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await setup(client);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
    delay = 100;
    return client;
  };

  current = open();
  return {
    get: () => current,
    async close() {
      closed = true;
      clearTimeout(timer);
      const client = await current.catch(() => null);
      await client?.end().catch(() => {});
    },
  };
}

/**
 * A bus between nodes over PostgreSQL LISTEN/NOTIFY, for deployments without Redis. All bus
 * channels share one PostgreSQL channel (`aerostack_bus`), one connection listens, another
 * notifies (so a publisher's messages keep their order). A payload, envelope included, must stay
 * under 8000 bytes: publish ids and read the data from the database. Like the Redis bus, the
 * publisher receives its own messages back; combine with a local bus for immediate local delivery.
 */
export async function createPostgresBus(options: {
  url: string;
  nodeId?: string;
  /** The PostgreSQL channel, default `aerostack_bus`. */
  channel?: string;
  onError?: ErrorReporter;
}): Promise<Bus> {
  const nodeId = options.nodeId ?? randomNodeId();
  const pgChannel = options.channel ?? 'aerostack_bus';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(pgChannel)) {
    throw new RangeError('the PostgreSQL channel must be a lower-case identifier of at most 63 characters');
  }
  const onError = options.onError ?? (() => {});
  const report = (msg: string, error: Error) => onError(msg, { error: error.message });
  const handlers = createHandlers(onError);
  // Loaded on demand: a deployment on SQLite never pays for the client.
  const { Client } = (await import('pg')).default;

  const listener = lastingClient(
    Client,
    options.url,
    async (client) => {
      client.on('notification', (notification) => {
        if (notification.channel !== pgChannel || notification.payload === undefined) return;
        const message = parseEnvelope(notification.payload);
        if (!message) return onError('bus: dropped a notification that is not a bus envelope', {});
        void handlers.dispatch(message.m, { channel: message.c, origin: message.o });
      });
      await client.query(`LISTEN ${pgChannel}`);
    },
    report,
  );
  const notifier = lastingClient(Client, options.url, async () => {}, report);
  try {
    await Promise.all([listener.get(), notifier.get()]);
  } catch (error) {
    await Promise.all([listener.close(), notifier.close()]);
    throw error;
  }
  let closed = false;
  // One query at a time on the notifier: pg queues overlapping calls itself but deprecates doing so
  // (pg 9 drops it). Publishes keep their order either way.
  let tail: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(query: () => Promise<T>): Promise<T> => {
    const turn = tail.then(query, query);
    tail = turn.catch(() => {});
    return turn;
  };

  return {
    nodeId,
    async publish(channel, message) {
      if (closed) throw closedError();
      checkChannel(channel);
      const payload = envelope(nodeId, channel, encode(message));
      const bytes = Buffer.byteLength(payload);
      if (bytes > MAX_NOTIFY_BYTES) {
        throw new BusError(
          'bus/message-too-large',
          `the PostgreSQL bus carries at most ${MAX_NOTIFY_BYTES} bytes per message (envelope included), ` +
            `this one is ${bytes}: publish an id and read the data from the database, or use Redis`,
        );
      }
      const client = await notifier.get().catch((error: Error) => {
        throw new BusError('bus/unavailable', 'the PostgreSQL bus is reconnecting', { cause: error });
      });
      await inTurn(() => client.query('SELECT pg_notify($1, $2)', [pgChannel, payload]));
    },
    subscribe: (channel, handler) => handlers.subscribe(channel, handler),
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await Promise.all([listener.close(), notifier.close()]);
    },
  };
}
