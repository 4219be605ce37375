// `text/event-stream` replies (API-CONVENTIONS: streams): each event has an `id`, an `event` name
// and JSON `data`; heartbeats are comments; a client resumes with `Last-Event-ID`, which the
// handler receives as `ctx.lastEventId` and honours from its own replay buffer.

/** One server-sent event. `data` is JSON-encoded on the wire. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface EventStreamOptions {
  /** Milliseconds between heartbeat comments; keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** The reconnection delay announced to clients (`retry:`), in milliseconds. */
  retryMs: number;
  /** Called with each event before it is written (tests validate against the spec here). */
  check?: (event: SseEvent) => void;
  /** Problem details for an error thrown after the stream started. */
  problemOf: (error: unknown) => unknown;
  /** Aborted when the client goes away, so the handler can stop producing. */
  controller: AbortController;
}

const encoder = new TextEncoder();

function frame(event: SseEvent): string {
  if (event.id !== undefined && /[\r\n]/.test(event.id))
    throw new Error('an event id cannot contain a newline');
  if (/[\r\n:]/.test(event.event)) throw new Error(`bad event name ${JSON.stringify(event.event)}`);
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  // JSON.stringify escapes newlines inside strings, so `data` is always a single line.
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A web stream writing `events` as SSE, with heartbeats, ending the iteration when the client leaves. */
export function eventStream(events: AsyncIterable<SseEvent>, options: EventStreamOptions): ReadableStream {
  const iterator = events[Symbol.asyncIterator]();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  // Set once the stream is over (ended, failed or cancelled by a departed client).
  let finished = false;
  const finish = () => {
    finished = true;
    clearInterval(heartbeat);
    options.controller.abort();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${options.retryMs}\n\n`));
      heartbeat = setInterval(() => {
        if (!finished) controller.enqueue(encoder.encode(': heartbeat\n\n'));
      }, options.heartbeatMs);
      heartbeat.unref?.();
    },
    async pull(controller) {
      let next: IteratorResult<SseEvent>;
      let frameText: string;
      try {
        next = await iterator.next();
        if (finished) return;
        if (next.done) {
          finish();
          controller.close();
          return;
        }
        options.check?.(next.value);
        frameText = frame(next.value);
      } catch (error) {
        if (finished) return;
        // Headers are gone: the error travels as a final `error` event carrying the problem.
        finish();
        controller.enqueue(encoder.encode(frame({ event: 'error', data: options.problemOf(error) })));
        controller.close();
        await iterator.return?.().catch(() => {});
        return;
      }
      controller.enqueue(encoder.encode(frameText));
    },
    async cancel() {
      finish();
      await iterator.return?.();
    },
  });
}

/** The headers of every event-stream reply. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
};
