import type { JsonValue } from '../types/json';

/**
 * One event of a stream, typed from a map of event names to their `data`: a discriminated union
 * on `event`. `id` is the event's own id (undefined when the server sent none).
 *
 * @example
 * type Tick = StreamEvent<{ tick: { n: number }; done: null }>;
 * // { id: string | undefined; event: 'tick'; data: { n: number } } | { …; event: 'done'; data: null }
 */
export type StreamEvent<Events extends object = Record<string, JsonValue>> = {
  [Name in keyof Events & string]: { id: string | undefined; event: Name; data: Events[Name] };
}[keyof Events & string];

/**
 * Where an event stream is: not iterated yet, connecting, receiving, waiting to reconnect after
 * a drop, or ended for good.
 *
 * @example
 * openEventStream(client, path, { onStateChange: (state) => setOnline(state === 'open') });
 */
export type EventStreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Options of `openEventStream`.
 *
 * @example
 * openEventStream<{ tick: { n: number } }>(client, '/v1/…', { signal, lastEventId: saved });
 */
export interface EventStreamOptions {
  /** Aborting closes the connection and ends the iteration quietly. */
  signal?: AbortSignal | undefined;
  /** Extra headers for every connection. */
  headers?: Record<string, string> | undefined;
  /** Deadline for each connection to answer with its headers; the stream itself has none. */
  timeoutMs?: number | undefined;
  /** Resume after this event id (sent as `Last-Event-ID` on the first connection too). */
  lastEventId?: string | undefined;
  /**
   * Reconnections in a row without receiving an event before giving up; default `Infinity`.
   * With `0` the stream ends when the server closes it, and any failure rejects.
   */
  maxReconnects?: number | undefined;
  /** Called on every change of `state`. */
  onStateChange?: ((state: EventStreamState) => void) | undefined;
}

/**
 * A typed, reconnecting server-sent event stream: iterate it with `for await`. It connects on
 * the first iteration, resumes with `Last-Event-ID` after a drop, and ends on `break`,
 * `close()`, the `signal`, or a 204 from the server.
 *
 * @example
 * const ticks = openEventStream<{ tick: { n: number } }>(client, '/v1/…');
 * for await (const { event, data } of ticks) if (event === 'tick') console.log(data.n);
 */
export interface EventStream<Events extends object = Record<string, JsonValue>>
  extends AsyncIterable<StreamEvent<Events>> {
  /** The connection's state now. */
  readonly state: EventStreamState;
  /** The id of the last event received with one: what a reconnection resumes after. */
  readonly lastEventId: string | undefined;
  /** Closes the connection; the iteration ends quietly. */
  close(): void;
}
