import type { ServerResponse } from 'node:http';

/**
 * An answer before it is written: straight to Node's response on the served path (no web
 * `Response` is built per request), or as a web `Response` for `app.fetch`. The headers object
 * belongs to the reply (writers may add `content-length` to it).
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** `null`: no body (204, 304, HEAD-like answers). */
  body: string | Uint8Array | ReadableStream<Uint8Array> | null;
}

/** A web `Response` as a Reply (endpoints outside the spec answer with `Response`s). */
export function replyOf(response: Response): Reply {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  // Node writes an array as repeated header lines; Set-Cookie must never be comma-joined.
  if (cookies.length > 0) (headers as Record<string, string | string[]>)['set-cookie'] = cookies;
  return { status: response.status, headers, body: response.body };
}

/** The Reply as a web `Response`; `head` drops the body as a HEAD answer must. */
export function toResponse(reply: Reply, head = false): Response {
  const body = head ? null : reply.body;
  if (head && reply.body instanceof ReadableStream) void reply.body.cancel();
  return new Response(body as ConstructorParameters<typeof Response>[0], {
    status: reply.status,
    headers: reply.headers,
  });
}

/**
 * The stream bodies being written, so that a shutdown can end them at once: an event stream
 * (realtime, the gateway's notifications, a legacy MCP session) otherwise holds its connection
 * open until the shutdown's grace period runs out. Ending one cancels its producer and ends the
 * body cleanly, which tells an SSE client to reconnect (elsewhere, resuming with Last-Event-ID).
 */
export class OpenStreams {
  readonly #ends = new Set<() => void>();
  #ending = false;

  /** Registers a stream's `end`; returns its unregistering. After `endAll`, ends it at once. */
  add(end: () => void): () => void {
    if (this.#ending) {
      end();
      return () => {};
    }
    this.#ends.add(end);
    return () => this.#ends.delete(end);
  }

  /** Ends every stream being written, and any that starts from now on. */
  endAll(): void {
    this.#ending = true;
    for (const end of this.#ends) end();
    this.#ends.clear();
  }
}

/**
 * Writes `reply` to Node's response. A stream body is copied with backpressure (a slow reader
 * slows the producer) and cancelled when the client goes away, which is how an event stream's
 * handler learns to stop; `streams` lets a shutdown end it (see OpenStreams). Node itself drops
 * the body of a HEAD answer.
 */
export function writeReply(res: ServerResponse, reply: Reply, streams?: OpenStreams): void {
  const { status, headers, body } = reply;
  if (body === null) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    headers['content-length'] ??= String(
      typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    );
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  res.writeHead(status, headers);
  res.flushHeaders(); // an event stream's client sees the status before the first event
  void pipe(body, res, streams);
}

async function pipe(
  body: ReadableStream<Uint8Array>,
  res: ServerResponse,
  streams?: OpenStreams,
): Promise<void> {
  const reader = body.getReader();
  // Cancelling the reader settles its pending read as done: the loop below then ends the body.
  const unregister = streams?.add(() => void reader.cancel().catch(() => {})) ?? (() => {});
  let finished = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    wake?.();
    if (!finished) reader.cancel().catch(() => {});
  };
  const onDrain = () => wake?.();
  res.on('close', onClose);
  res.on('drain', onDrain);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        if (res.destroyed) return;
      }
    }
    finished = true;
    res.end();
  } catch (error) {
    finished = true;
    // Headers are out: the only way left to say "this body is incomplete" is to cut the connection.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    unregister();
    res.off('drain', onDrain);
    if (finished) res.off('close', onClose);
  }
}
