/**
 * The SDK transport's answer with the platform's headers (request id, CORS, worker, rate limits)
 * added. A streamed body calls `onEnd` once, when it ends or when the client goes away: that is
 * how the Server behind it learns to stop (its transport is closed, which aborts what still runs).
 * Any other answer is complete when it is built: its Server has nothing left to stop, and closing
 * it would only cost an error object and an abort per request.
 */
export function answer(response: Response, headers: Record<string, string>, onEnd: () => void): Response {
  const merged = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  const body = response.body;
  const streamed = body !== null && merged.get('content-type')?.startsWith('text/event-stream');
  return new Response(streamed ? ending(body, onEnd) : body, { status: response.status, headers: merged });
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
