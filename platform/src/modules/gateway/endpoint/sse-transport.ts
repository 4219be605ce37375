import { armSseKeepAlive, DEFAULT_SSE_KEEP_ALIVE_MS } from '@modelcontextprotocol/sdk/server/sseKeepAlive.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

const encoder = new TextEncoder();

/**
 * The server side of the legacy HTTP+SSE transport (MCP 2024-11-05) over a web ReadableStream.
 * The SDK's SSEServerTransport writes to Node's ServerResponse, which endpoints never see. The
 * stream opens with the `endpoint` event naming where to POST; every message to the client goes
 * out as a `message` event; POSTed messages come in through `receive`.
 */
export class WebSseServerTransport implements Transport {
  readonly stream: ReadableStream<Uint8Array>;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private keepAlive: ReturnType<typeof armSseKeepAlive>;
  private closed = false;

  constructor(
    readonly sessionId: string,
    endpoint: string,
    keepAliveMs = DEFAULT_SSE_KEEP_ALIVE_MS,
  ) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        controller.enqueue(encoder.encode(`event: endpoint\ndata: ${endpoint}\n\n`));
      },
      // The client went away.
      cancel: () => this.end(),
    });
    // A comment now and then keeps proxies from closing an idle stream.
    this.keepAlive = armSseKeepAlive(keepAliveMs, () => this.write(': keepalive\n\n'));
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('the SSE stream is closed');
    this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** A message the client POSTed for this session. */
  receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (!this.closed) this.onmessage?.(message, extra);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.controller.close();
    } catch {
      // already closed by the reader's cancel
    }
    this.end();
  }

  private write(text: string): void {
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      this.end();
    }
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.onclose?.();
  }
}
