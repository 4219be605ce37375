import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type JSONRPCMessage,
  JSONRPCRequestSchema,
  RELATED_TASK_META_KEY,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** `application/json`, bare or with a UTF-8 charset: anything else is left to the SDK transport. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/**
 * Whether a POST is the common case the SDK's Streamable HTTP transport would answer with one
 * JSON body and nothing else to check: one well-formed JSON-RPC request, not initialize, no
 * progress asked, the headers the transport requires (Accept, Content-Type, a supported
 * MCP-Protocol-Version or none). Everything else (batches, notifications, initialize, bad
 * headers, malformed messages, progress) goes through the SDK transport, which owns those rules.
 */
export function isPlainRequest(header: (name: string) => string | undefined, parsed: unknown): boolean {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const message = parsed as { method?: unknown; params?: { _meta?: { progressToken?: unknown } } };
  if (message.method === 'initialize' || message.params?._meta?.progressToken !== undefined) return false;
  return hasPlainHeaders(header) && JSONRPCRequestSchema.safeParse(parsed).success;
}

/** The headers the SDK transport requires of a POST it answers with JSON. */
export function hasPlainHeaders(header: (name: string) => string | undefined): boolean {
  const accept = header('accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!PLAIN_JSON.test(header('content-type') ?? '')) return false;
  const version = header('mcp-protocol-version');
  return version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

const ENVELOPE = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * A plain request's message when it is a tools/call the fast lane answers (decision 0043): the
 * JSON-RPC envelope as JSONRPCRequestSchema has it (checked by hand: `jsonrpc` "2.0", a string or
 * integer id, no other keys), the rest checked once with the SDK's own CallToolRequestSchema. No
 * progress token and no task (those take the SDK path); null for anything else, including an
 * invalid tools/call, which the SDK Server then answers with its own error.
 */
export function toolCallOf(parsed: unknown): { id: RequestId; params: CallToolRequest['params'] } | null {
  const message = parsed as { jsonrpc?: unknown; id?: unknown; method?: unknown } | null;
  if (message?.method !== 'tools/call' || message.jsonrpc !== '2.0') return null;
  const { id } = message;
  if (typeof id !== 'string' && !Number.isInteger(id)) return null;
  for (const key in message) if (!ENVELOPE.has(key)) return null;
  const request = CallToolRequestSchema.safeParse(parsed);
  if (!request.success) return null;
  const { params } = request.data;
  const meta = params._meta;
  if (params.task !== undefined) return null;
  if (meta !== undefined && (meta.progressToken !== undefined || RELATED_TASK_META_KEY in meta)) return null;
  return { id: id as RequestId, params };
}

/** The JSON-RPC answer to a fast-lane tools/call, serialized as the SDK's Protocol serializes it. */
export async function answerToolCall(id: RequestId, call: () => Promise<CallToolResult>): Promise<string> {
  try {
    return JSON.stringify({ result: await call(), jsonrpc: '2.0', id });
  } catch (error) {
    const { code, message, data } = error as { code?: unknown; message?: string; data?: unknown };
    return JSON.stringify({
      jsonrpc: '2.0',
      id,
      error: {
        code: Number.isSafeInteger(code) ? code : ErrorCode.InternalError,
        message: message ?? 'Internal error',
        ...(data !== undefined && { data }),
      },
    });
  }
}

/**
 * The SDK `Transport` for one plain request (see isPlainRequest): hands the request to the
 * Server and keeps its response, as the SDK's stateless transport does in JSON mode (notifications
 * it sends meanwhile are dropped there too: no stream to carry them), without the web `Request`,
 * the `Response` built and read back, and the schema checks the request passed already.
 */
class OneRequest implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly response: Promise<JSONRPCMessage>;
  private resolve!: (message: JSONRPCMessage) => void;

  constructor(private readonly id: RequestId) {
    this.response = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    const { id } = message as { id?: RequestId };
    if (id === this.id && ('result' in message || 'error' in message)) this.resolve(message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** The Server's JSON-RPC response to one plain request, serialized. */
export async function answerPlain(server: Server, request: JSONRPCMessage): Promise<string> {
  const transport = new OneRequest((request as { id: RequestId }).id);
  await server.connect(transport);
  transport.onmessage?.(request);
  return JSON.stringify(await transport.response);
}
