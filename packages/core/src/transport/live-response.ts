import type { AerostackError } from '../errors/aerostack-error';

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
  const { status, statusText, headers } = response;
  return new Response(body, { status, statusText, headers });
}
