import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolRequest,
  type CallToolResult,
  CallToolResultSchema,
  JSONRPCErrorResponseSchema,
  JSONRPCMessageSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../../version.js';
import { type GuardedFetch, type GuardedPost, readAnswer } from './fetch.js';
import type { ServerRecord } from './servers.js';

export type ListKind = 'tools' | 'resources' | 'prompts';

/** What a connection's configuration is made of: a change of any of these needs a new connection. */
export function fingerprintOf(server: ServerRecord): string {
  // Asked on every call (pool and list cache); a record never changes, a reload makes a new one.
  let fingerprint = fingerprints.get(server);
  if (fingerprint === undefined) {
    fingerprint = JSON.stringify([server.url, server.transport, server.secretHeaders, server.bearerSecret]);
    fingerprints.set(server, fingerprint);
  }
  return fingerprint;
}
const fingerprints = new WeakMap<ServerRecord, string>();

const ID_AT_END = /,"id":(\d+)\}$/;

/** The upstream closed a response stream of this connection before it ended (a crash, a restart). */
export class ConnectionBrokenError extends Error {
  override name = 'ConnectionBrokenError';
}

export interface ConnectionOptions {
  server: ServerRecord;
  /** The headers carrying the server's secrets. */
  headers: Record<string, string>;
  fetch: GuardedFetch;
  /** The fetch's one-POST form, for the tools/call fast lane. */
  post: GuardedPost;
  /** How long initialize may take. */
  timeoutMs: number;
  onListChanged(kind: ListKind): void;
}

/**
 * One SDK client session with one upstream, shared by every request of this worker to that
 * server. Requests run through `untilBroken` fail at once when the upstream drops a stream
 * mid-response, instead of waiting for their timeout (the SDK would keep them pending).
 */
export interface Connection {
  readonly fingerprint: string;
  readonly client: Client;
  /**
   * Runs `op` and settles as it does, or rejects once a response stream of this connection fails,
   * whichever comes first; on a connection already broken, rejects without running it. Nothing of
   * `op` is kept once it settles (Promise.race against a promise that lives as long as the
   * connection would keep a reaction, and the call's result, per call).
   */
  untilBroken<T>(op: () => Promise<T>): Promise<T>;
  /**
   * tools/call without the SDK client's request machinery, on the session the SDK negotiated
   * (Streamable HTTP only; see `callToolFast` in openConnection): the validated result, or null
   * when the upstream redirected or the transport is not Streamable HTTP (then use the client).
   */
  callTool(params: CallToolRequest['params'], signal: AbortSignal): Promise<CallToolResult | null>;
  close(): void;
}

/** The fast lane's request ids: numbers far above the SDK client's own counter (which starts at 0). */
const FAST_ID_BASE = 2 ** 40;

export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const { server } = options;
  let closing = false;
  let brokenBy: ConnectionBrokenError | null = null;
  /** Rejecters of the requests under way through untilBroken. */
  const underway = new Set<(error: Error) => void>();

  // A response body that fails mid-read (the upstream crashed, restarted, dropped us) breaks the
  // connection: its racing requests fail at once. Told by the fetch where it happens.
  const breakWith = (message: string) => {
    if (closing || brokenBy) return;
    const error = new ConnectionBrokenError(message);
    brokenBy = error;
    for (const reject of underway) reject(error);
    underway.clear();
  };
  const markBroken = () => breakWith('The upstream closed the connection mid-response.');
  // POSTs awaiting their answer, by JSON-RPC id. When the SDK gives up on a request (our
  // deadline, the client's cancel) it only sends notifications/cancelled: the POST itself is
  // aborted here too, or a hung upstream would keep a connection open per abandoned request.
  const waiting = new Map<number, AbortController>();
  const breakOnStreamError: FetchLike = async (url, init) => {
    const body = init?.body;
    if (init?.method !== 'POST' || typeof body !== 'string') return options.fetch(url, init, markBroken);
    const head = body.slice(0, 80);
    if (head.includes('"method":"notifications/cancelled"')) {
      const target = (JSON.parse(body) as { params?: { requestId?: unknown } }).params?.requestId;
      if (typeof target === 'number') waiting.get(target)?.abort(new Error('cancelled'));
      return options.fetch(url, init, markBroken);
    }
    // The SDK serializes a request as {method, params, jsonrpc, id}: the id ends the text.
    const id = ID_AT_END.exec(body.slice(-32))?.[1];
    if (id === undefined) return options.fetch(url, init, markBroken);
    const controller = new AbortController();
    const outer = init.signal;
    const follow = () => controller.abort(outer?.reason);
    if (outer?.aborted) follow();
    else outer?.addEventListener('abort', follow, { once: true });
    waiting.set(Number(id), controller);
    try {
      return await options.fetch(url, { ...init, signal: controller.signal }, markBroken);
    } finally {
      waiting.delete(Number(id));
      outer?.removeEventListener('abort', follow);
    }
  };

  const url = new URL(server.url as string);
  const transportOptions = {
    requestInit: { headers: options.headers },
    fetch: breakOnStreamError,
    // Redirects are followed (and checked hop by hop) by the guarded fetch.
    redirectPolicy: 'follow' as const,
  };
  const transport: Transport =
    server.transport === 'sse'
      ? new SSEClientTransport(url, transportOptions)
      : new StreamableHTTPClientTransport(url, {
          ...transportOptions,
          // The GET notification stream: a dead upstream is noticed by the next request anyway.
          reconnectionOptions: {
            initialReconnectionDelay: 500,
            maxReconnectionDelay: 5_000,
            reconnectionDelayGrowFactor: 2,
            maxRetries: 2,
          },
        });

  const client = new Client({ name: 'aerostack-gateway', version: VERSION }, { capabilities: {} });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => options.onListChanged('tools'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () =>
    options.onListChanged('resources'),
  );
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => options.onListChanged('prompts'));
  client.onclose = () => breakWith('The upstream closed the connection.');
  // Stream errors are handled through `untilBroken`; the SDK's own reports would only be noise.
  client.onerror = () => {};

  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    closing = true;
    await client.close().catch(() => {});
    throw error;
  }

  // The fast lane (decision 0043): the SDK has initialized the session and negotiated the version;
  // a plain tools/call is then one POST with the headers the SDK's transport would send (its
  // session id and protocol version, the server's secrets), its answer read as the transport
  // reads it, and its result checked once with the SDK's CallToolResultSchema. Whatever else the
  // answer carries (notifications, the server's own requests) goes to the SDK client.
  const streamable = transport instanceof StreamableHTTPClientTransport ? transport : null;
  let fastId = FAST_ID_BASE;
  let fastHeaders: Record<string, string> | undefined;
  let headersFor: [string | undefined, string | undefined] = [undefined, undefined];
  const postHeaders = (t: StreamableHTTPClientTransport) => {
    const { sessionId, protocolVersion } = t;
    if (fastHeaders && headersFor[0] === sessionId && headersFor[1] === protocolVersion) return fastHeaders;
    const h: Record<string, string> = {};
    if (sessionId) h['mcp-session-id'] = sessionId;
    if (protocolVersion) h['mcp-protocol-version'] = protocolVersion;
    for (const name in options.headers) h[name.toLowerCase()] = options.headers[name] as string;
    h['content-type'] = 'application/json';
    h.accept = 'application/json, text/event-stream';
    headersFor = [sessionId, protocolVersion];
    fastHeaders = h;
    return h;
  };
  /** A message of the answer that is not ours: to the SDK client, checked as its transport checks it. */
  const toClient = (message: unknown) => {
    const parsed = JSONRPCMessageSchema.safeParse(message);
    if (parsed.success) transport.onmessage?.(parsed.data);
  };

  async function callToolFast(
    params: CallToolRequest['params'],
    signal: AbortSignal,
  ): Promise<CallToolResult | null> {
    if (!streamable) return null;
    const id = fastId++;
    const body = JSON.stringify({ method: 'tools/call', params, jsonrpc: '2.0', id });
    try {
      const response = await options.post(url, postHeaders(streamable), body, signal);
      if (response === null) return null;
      const message = await readAnswer(response, id, toClient, markBroken, signal);
      if (message.error !== undefined) {
        // As the SDK client reports an upstream's error: checked, then an McpError.
        const { error } = JSONRPCErrorResponseSchema.parse(message);
        throw new McpError(error.code, error.message, error.data);
      }
      if ((message as { jsonrpc?: unknown }).jsonrpc !== '2.0')
        throw new Error('The upstream answered with a message that is not JSON-RPC 2.0.');
      const result = CallToolResultSchema.safeParse(message.result);
      if (!result.success) throw result.error;
      return result.data;
    } catch (error) {
      // What the SDK does when a request it sent is abandoned: tell the upstream (best effort).
      if (signal.aborted)
        client
          .notification({
            method: 'notifications/cancelled',
            params: { requestId: id, reason: String(signal.reason) },
          })
          .catch(() => {});
      throw error;
    }
  }

  return {
    fingerprint: fingerprintOf(server),
    client,
    untilBroken<T>(op: () => Promise<T>): Promise<T> {
      if (brokenBy) return Promise.reject(brokenBy);
      return new Promise<T>((resolve, reject) => {
        underway.add(reject);
        op().then(
          (value) => {
            underway.delete(reject);
            resolve(value);
          },
          (error: unknown) => {
            underway.delete(reject);
            reject(error);
          },
        );
      });
    },
    callTool: callToolFast,
    close() {
      if (closing) return;
      closing = true;
      // Ends the upstream's session politely (Streamable HTTP), then the transport; both best effort.
      const end =
        transport instanceof StreamableHTTPClientTransport && !brokenBy
          ? transport.terminateSession().catch(() => {})
          : Promise.resolve();
      void end.then(() => client.close()).catch(() => {});
    },
  };
}
