/** Any JSON value: what travels on the bus. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a delivered message comes from. */
export interface BusDelivery {
  channel: string;
  /** The node id of the publisher (every worker of one node shares it). */
  origin: string;
}

/**
 * Handles one message. Handlers of one message share the parsed value: do not mutate it. A
 * returned promise is awaited before a local publish resolves (see `Bus.publish`).
 */
export type BusHandler = (message: JsonValue, delivery: BusDelivery) => void | Promise<void>;

export type ErrorReporter = (msg: string, fields: Record<string, unknown>) => void;

/**
 * Events between the workers of a node and between nodes, at most once (decision 0022).
 * Messages from one publisher arrive in the order they were published.
 */
export interface Bus {
  /** The node this bus publishes as. */
  readonly nodeId: string;
  /**
   * Sends `message` to every subscriber of `channel`, the publisher's own process included. The
   * in-process and cluster buses resolve after every handler on the node has run; the buses
   * between nodes resolve once the message is handed to Redis / PostgreSQL.
   */
  publish(channel: string, message: JsonValue): Promise<void>;
  /** Returns the function that unsubscribes. Takes effect at once for messages published after. */
  subscribe(channel: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

export type BusErrorCode =
  | 'bus/closed'
  | 'bus/not-json'
  | 'bus/invalid-channel'
  | 'bus/message-too-large'
  | 'bus/unavailable';

export class BusError extends Error {
  override name = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
