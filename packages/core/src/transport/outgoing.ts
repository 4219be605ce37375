// What an attempt sends. A `Request` can be sent only once, so the transport keeps the parts and
// builds a fresh `Request` per attempt; this is where a body's replayability is decided.
// Types are spelled through `RequestInit` so they mean the same with the DOM's or Node's globals.

/** Any body fetch accepts. */
export type FetchBody = NonNullable<RequestInit['body']>;

/** One request as the transport holds it across attempts. */
export interface Outgoing {
  url: string;
  method: string;
  headers: Headers;
  /**
   * Sent as is by every attempt. Strings, bytes, Blobs and forms can be sent again; a
   * `ReadableStream` cannot, so a request with one is never retried.
   */
  body: FetchBody | null;
  /**
   * A caller's `Request` whose body is sent as it is, once: fetch keeps what it was made from
   * (bytes and Blobs keep their length, a stream streams), so nothing is buffered here.
   */
  bodyOf?: Request | undefined;
  /** Hand a 2xx response over as soon as its headers arrive, whatever its type. */
  live?: boolean | undefined;
  redirect?: RequestInit['redirect'];
  credentials?: RequestInit['credentials'];
}

/** Whether every attempt can send the body again (it is not a one-shot stream). */
export function isReplayable(outgoing: Outgoing): boolean {
  return !outgoing.bodyOf && !(outgoing.body instanceof ReadableStream);
}

/** JSON, text and form bodies are small and read once to be replayable; anything else is bytes. */
function isTextual(contentType: string | null): boolean {
  return /json|^text\/|x-www-form-urlencoded/i.test(contentType ?? '');
}

/**
 * Takes a `Request` apart. A textual body (JSON, text, form) is read once so every retry can
 * send it again; any other body (bytes, a file, a multipart form, a stream) is left in the
 * `Request` and sent once, as it is, without being buffered.
 */
export async function fromRequest(request: Request, live = false): Promise<Outgoing> {
  const textual = isTextual(request.headers.get('Content-Type'));
  const body = request.body && textual ? await request.arrayBuffer() : null;
  return {
    url: request.url,
    method: request.method,
    headers: request.headers,
    body,
    bodyOf: request.body && !textual ? request : undefined,
    live,
    redirect: request.redirect,
    credentials: request.credentials,
  };
}

/**
 * The `Request` of one attempt. A stream body is passed through a transform that calls
 * `onChunk` for each chunk fetch reads, so the caller can see an upload progress.
 */
export function attemptRequest(
  outgoing: Outgoing,
  headers: Headers,
  signal: AbortSignal,
  onChunk: () => void,
): Request {
  const { body, bodyOf, credentials } = outgoing;
  const streamed = body instanceof ReadableStream;
  const init: RequestInit & { duplex?: 'half' } = {
    method: outgoing.method,
    headers,
    signal,
    redirect: outgoing.redirect ?? 'follow',
    // Only when changed from the default: some runtimes (Cloudflare Workers) reject the field.
    ...(credentials && credentials !== 'same-origin' ? { credentials } : {}),
    // Left out for a caller's Request, so its body goes as it was made.
    ...(bodyOf ? {} : { body }),
    // fetch sends a stream body only in half-duplex mode (the whole body before the response).
    ...(streamed
      ? {
          duplex: 'half',
          body: body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, stream) {
                onChunk();
                stream.enqueue(chunk);
              },
            }),
          ),
        }
      : {}),
  };
  return bodyOf ? new Request(bodyOf, init) : new Request(outgoing.url, init);
}
