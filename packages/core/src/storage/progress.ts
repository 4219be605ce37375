import type { RequestBody } from '../transport/http-types';

/**
 * How far an upload has got: bytes sent so far, and the total when the body's size is known.
 *
 * @example
 * const onProgress = ({ loaded, total }: UploadProgress) => console.log(total ? loaded / total : loaded);
 */
export interface UploadProgress {
  loaded: number;
  total: number | null;
}

const CHUNK = 64 * 1024;

/** The size of `body` when it can be known without reading it. */
export function sizeOf(body: RequestBody): number | null {
  if (typeof body === 'string') return new TextEncoder().encode(body).byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
  return null;
}

function streamOf(body: RequestBody): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body;
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    if (typeof body.stream === 'function') return body.stream();
    // Blobs without stream() (jsdom's): read whole when the transport first pulls.
    return new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(await body.arrayBuffer()));
        controller.close();
      },
    });
  }
  const bytes =
    typeof body === 'string'
      ? new TextEncoder().encode(body)
      : body instanceof ArrayBuffer
        ? new Uint8Array(body)
        : ArrayBuffer.isView(body)
          ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
          : null;
  if (!bytes) throw new TypeError('Aerostack storage: upload a Blob, bytes, a string or a stream.');
  let offset = 0;
  // Sliced, so progress moves as the transport reads rather than once for the whole body.
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
}

/**
 * `body` as a stream that reports each chunk as the transport reads it. A stream is sent once,
 * never retried (it cannot be replayed).
 */
export function withProgress(
  body: RequestBody,
  onProgress: (progress: UploadProgress) => void,
): ReadableStream<Uint8Array> {
  const total = sizeOf(body);
  const reader = streamOf(body).getReader();
  let loaded = 0;
  // Chunks are passed on at most CHUNK bytes at a time, so progress moves as the transport reads
  // (a Blob's stream may hand over the whole file at once).
  let pending: Uint8Array | null = null;
  onProgress({ loaded, total });
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pending || pending.byteLength === 0) {
        const { value, done } = await reader.read();
        if (done) return controller.close();
        pending = value;
      }
      const piece = pending.subarray(0, CHUNK);
      pending = pending.subarray(piece.byteLength);
      loaded += piece.byteLength;
      controller.enqueue(piece);
      onProgress({ loaded, total });
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
