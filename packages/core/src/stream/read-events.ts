import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * The events of one `text/event-stream` body as they arrive. Comments (heartbeats) are
 * skipped; a `retry:` field goes to `onRetry`; an event cut off by the end of the body is
 * dropped, as the SSE spec says.
 */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
  onRetry: (ms: number) => void,
): AsyncGenerator<EventSourceMessage> {
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => parsed.push(message), onRetry });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      for (let message = parsed.shift(); message; message = parsed.shift()) yield message;
    }
  } finally {
    // Closes the connection when the caller stops early; harmless once the body has ended.
    reader.cancel().catch(() => {});
  }
}
