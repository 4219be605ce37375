import { Readable } from 'node:stream';
import type { Incoming } from '../incoming.js';
import { ApiError } from '../problem.js';

// Request bodies are read only by operations that declare one, and never past their limit:
// `Content-Length` is checked before a byte is read, and a chunked body is counted as it arrives.

function tooLarge(limit: number): ApiError {
  return new ApiError(
    'request/body-too-large',
    `The body exceeds this operation's limit of ${limit} bytes.`,
    {
      // The rest of the body is not read; the connection cannot be reused for another request.
      headers: { connection: 'close' },
    },
  );
}

/** Throws 413 at once when the declared `Content-Length` is over `limit`. */
export function checkContentLength(req: Pick<Incoming, 'header'>, limit: number): void {
  const declared = req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
}

/** The whole body, at most `limit` bytes. */
export async function readBody(req: Pick<Incoming, 'header' | 'body'>, limit: number): Promise<Uint8Array> {
  checkContentLength(req, limit);
  const source = req.body();
  const parts =
    source instanceof Readable ? await readStream(source, limit) : await readIterable(source, limit);
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}

/** Node's request, read with events: its async iterator costs several times more for one chunk. */
function readStream(stream: Readable, limit: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    const settle = () => stream.off('data', onData).off('end', onEnd).off('error', onError);
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) return void parts.push(chunk);
      settle();
      stream.pause();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      settle();
      resolve(parts);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    stream.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

async function readIterable(source: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit);
    parts.push(chunk);
  }
  return parts;
}

/**
 * The body as a stream the handler reads at its own pace (backpressure reaches the socket), which
 * errors with 413 once more than `limit` bytes have arrived. Never buffered whole.
 */
export function streamBody(req: Incoming, limit: number): ReadableStream<Uint8Array> {
  checkContentLength(req, limit);
  const iterator = req.body()[Symbol.asyncIterator]();
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) {
        controller.close();
        return;
      }
      size += value.byteLength;
      if (size > limit) {
        controller.error(tooLarge(limit));
        await iterator.return?.();
        return;
      }
      controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Whether `contentType` is one of `accepted` (parameters such as charset ignored). */
export function isAcceptedMediaType(contentType: string | undefined, accepted: string[]): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return accepted.some(
    (a) =>
      a.toLowerCase() === type || (a === 'application/json' && /^application\/([\w.+-]+\+)?json$/.test(type)),
  );
}
