import type { AerostackClient } from '../client/create-client';
import { type AerostackError, isAerostackError } from '../errors/aerostack-error';
import { errorFromResponse, invalidResponse } from '../errors/from-response';
import { CLIENT_ERRORS } from '../generated/behaviour';
import { isRetryable, retryDelayMs } from '../transport/retry-policy';
import { follow, sleep } from '../transport/signals';
import type { JsonValue } from '../types/json';
import { readEvents } from './read-events';
import type { EventStream, EventStreamOptions, EventStreamState, StreamEvent } from './types';

function parseData(data: string, response: Response): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw invalidResponse(response, 'An event whose data is not valid JSON.');
  }
}

/** The platform reports a failure after the headers as a last `error` event carrying a problem. */
export function streamFailure(problem: unknown, text: string, response: Response): AerostackError {
  const { status } = (problem ?? {}) as { status?: unknown };
  const valid = typeof status === 'number' && status >= 400 && status <= 599;
  return errorFromResponse(
    new Response(null, { status: valid ? status : 500, headers: response.headers }),
    text,
  );
}

/** A dropped connection, a timeout, or a status worth trying again. */
function isReconnectable(error: unknown): error is AerostackError {
  if (!isAerostackError(error)) return false;
  return (
    error.code === CLIENT_ERRORS.network ||
    error.code === CLIENT_ERRORS.timeout ||
    isRetryable('GET', false, 'status', error.status)
  );
}

/**
 * Opens a server-sent event stream of the platform (fetch-based, with the client's credential
 * and headers) as an async iterable of typed events whose `data` is parsed JSON.
 *
 * It connects on the first iteration; each connection is retried like any GET (its deadline
 * covers only the response headers). After a drop — or the server closing the stream — it
 * reconnects with `Last-Event-ID`, waiting the server's `retry:` interval or a jittered
 * backoff, and carries on. It ends on `break`, `close()`, the `signal` (quietly) or a 204 from
 * the server; a non-2xx answer other than 408, 409, 429 and 5xx rejects the iteration with
 * its `AerostackError`, and so does an `error` event (the platform's report of a failure after
 * the stream started: its data is a problem) unless its status is one worth retrying.
 * Heartbeat comments are ignored.
 *
 * @example
 * import { openEventStream } from '@aerostack/core';
 *
 * const stream = openEventStream<{ tick: { n: number } }>(client, '/v1/…', { signal });
 * for await (const event of stream) {
 *   if (event.event === 'tick') console.log(event.id, event.data.n);
 * }
 */
export function openEventStream<Events extends object = Record<string, JsonValue>>(
  client: Pick<AerostackClient, 'http'>,
  path: `/${string}`,
  options: EventStreamOptions = {},
): EventStream<Events> {
  const stop = new AbortController();
  const maxReconnects = options.maxReconnects ?? Number.POSITIVE_INFINITY;
  let state: EventStreamState = 'idle';
  let lastEventId = options.lastEventId;
  let iterator: AsyncGenerator<StreamEvent<Events>> | undefined;
  const setState = (next: EventStreamState) => {
    if (state === next || state === 'closed') return;
    state = next;
    options.onStateChange?.(next);
  };
  // Closed the moment it is told to, even while the consumer sits between two events.
  let unfollow = () => {};
  stop.signal.addEventListener('abort', () => {
    unfollow();
    setState('closed');
  });
  unfollow = follow(options.signal, stop);

  async function* run(): AsyncGenerator<StreamEvent<Events>> {
    let quietReconnects = 0; // reconnections in a row that brought no event
    let serverRetryMs: number | undefined;
    try {
      for (;;) {
        setState(state === 'idle' ? 'connecting' : 'reconnecting');
        let failure: AerostackError | undefined;
        try {
          const resume: Record<string, string> =
            lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId };
          const response = await client.http.request(path, {
            headers: { Accept: 'text/event-stream', ...options.headers, ...resume },
            signal: stop.signal,
            timeoutMs: options.timeoutMs,
          });
          if (response.status === 204) return; // the server's way of saying "no more events"
          if (!response.body || !(response.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
            await response.body?.cancel();
            throw invalidResponse(response, 'Not a text/event-stream.');
          }
          setState('open');
          for await (const message of readEvents(response.body, (ms) => (serverRetryMs = ms))) {
            if (stop.signal.aborted) return; // closed while events were still buffered
            const data = parseData(message.data, response);
            if (message.event === 'error') throw streamFailure(data, message.data, response);
            quietReconnects = 0;
            if (message.id !== undefined) lastEventId = message.id;
            yield { id: message.id, event: message.event ?? 'message', data } as StreamEvent<Events>;
          }
        } catch (error) {
          if (stop.signal.aborted) return;
          if (!isReconnectable(error)) throw error;
          failure = error;
        }
        if (quietReconnects >= maxReconnects) {
          if (failure) throw failure;
          return;
        }
        setState('reconnecting');
        const delay = Math.max(serverRetryMs ?? 0, retryDelayMs(quietReconnects, null, 0, Math.random()));
        quietReconnects++;
        try {
          await sleep(delay, stop.signal);
        } catch {
          return;
        }
      }
    } finally {
      stop.abort();
    }
  }

  return {
    get state() {
      return state;
    },
    get lastEventId() {
      return lastEventId;
    },
    close() {
      stop.abort();
    },
    [Symbol.asyncIterator]() {
      iterator ??= run();
      return iterator;
    },
  };
}
