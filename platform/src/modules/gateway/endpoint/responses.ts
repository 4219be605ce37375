import type { Reply } from '../../../http/reply/reply.js';

/**
 * The SDK transport's answer with the platform's headers (request id, CORS, worker, rate limits)
 * added. A streamed body calls `onEnd` once, when it ends or when the client goes away: that is
 * how the Server behind it learns to stop (its transport is closed, which aborts what still runs).
 * Any other answer is complete when it is built: its Server has nothing left to stop, and closing
 * it would only cost an error object and an abort per request. Its body is taken as text, so the
 * platform writes it in one go (a stream body costs a chunked write per piece).
 */
export async function answer(
  response: Response,
  headers: Record<string, string>,
  onEnd: () => void,
): Promise<Reply> {
  const merged: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    merged[name] = value;
  });
  for (const name in headers) merged[name.toLowerCase()] = headers[name] as string;
  const body = response.body;
  if (body === null) return { status: response.status, headers: merged, body: null };
  if (merged['content-type']?.startsWith('text/event-stream'))
    return { status: response.status, headers: merged, body: ending(body, onEnd) };
  return { status: response.status, headers: merged, body: await response.text() };
}

function ending(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end();
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason).catch(() => {});
    },
  });
}
