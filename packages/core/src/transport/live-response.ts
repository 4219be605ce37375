import type { AerostackError } from '../errors/aerostack-error';

/** Statuses whose responses have no body: a `Response` with one of them cannot be given a body. */
export const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The response with its body passed through as it arrives: failures while reading become
 * `AerostackError`s, and `end` runs once the body is done, failed or cancelled.
 */
export function liveResponse(
  response: Response,
  fail: (error: unknown) => AerostackError,
  end: () => void,
): Response {
  const source = response.body;
  if (!source) {
    end();
    return response;
  }
  const { status, statusText, headers } = response;
  // Browsers give a 204 an empty body stream (Node gives null); rebuilt with it, `new Response`
  // throws. There is nothing to read: drop it.
  if (NULL_BODY_STATUSES.has(status)) {
    void source.cancel().catch(() => {});
    end();
    return new Response(null, { status, statusText, headers });
  }
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(fail(error));
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status, statusText, headers });
}
