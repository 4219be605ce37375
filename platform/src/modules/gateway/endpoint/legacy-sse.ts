import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Endpoint, EndpointCall } from '../../../http/endpoints.js';
import { randomBase62 } from '../../../lib/ids.js';
import { BusError } from '../../../services/bus/index.js';
import { admit, charge, httpError } from './access.js';
import { type Gateway, gatewayServer } from './mcp-server.js';
import type { Notifier } from './notify.js';
import { WebSseServerTransport } from './sse-transport.js';
import { DECISION, readMessages } from './streamable.js';
import type { Caller } from './types.js';

const SESSION_ID = /^[0-9A-Za-z]{32}$/;
const channelOf = (sessionId: string) => `gateway.sse.${sessionId}`;

interface Session {
  transport: WebSseServerTransport;
  /** Updated on every POST: the member's role and the workspace's limits are read at each request. */
  caller: Caller;
}

/** What a POST on another worker hands to the session's worker over the bus. */
interface Delivery {
  tokenId: string;
  role: Caller['role'];
  messages: JSONRPCMessage[];
}

/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05) for older clients: GET `/ws/{workspace}/sse` opens
 * a session stream whose first event names `/ws/{workspace}/messages?sessionId=…`; each POST
 * there answers 202 and its responses go out on the stream. The stream lives on one worker; a POST
 * that lands on another worker or node reaches it over the bus (`gateway.sse.<sessionId>`).
 * Every POST authenticates, with the token that opened the session.
 */
export function legacySseEndpoints(gateway: Gateway, notifier: Notifier): Endpoint[] {
  const { services } = gateway;
  const sessions = new Map<string, Session>();

  /**
   * Hands POSTed messages to the session, if they came with the token that opened it. The role and
   * the workspace (its limits) are the current ones, as for any request.
   */
  function deliver(session: Session, from: Caller, messages: JSONRPCMessage[]): boolean {
    if (session.caller.tokenId !== from.tokenId) return false;
    session.caller.role = from.role;
    session.caller.workspace = from.workspace;
    for (const message of messages) session.transport.receive(message);
    return true;
  }

  async function open(call: EndpointCall): Promise<Response> {
    const { params, requestId, baseHeaders } = call;
    const slug = params.workspace!;
    const admitted = await admit(services, call, slug, requestId, baseHeaders);
    if (admitted instanceof Response) return admitted;
    const { caller, tokenHash } = admitted;
    const sessionId = randomBase62(32);
    const stream = await gateway.streams.open(caller, 'legacy-sse', sessionId);
    if (!stream)
      return httpError(429, 'gateway/too-many-streams', gateway.streams.tooMany(), requestId, baseHeaders);
    const transport = new WebSseServerTransport(
      sessionId,
      `/ws/${encodeURIComponent(slug)}/messages?sessionId=${sessionId}`,
    );
    const session: Session = { transport, caller };
    sessions.set(sessionId, session);
    const unsubscribe = services.bus.subscribe(channelOf(sessionId), async (message) => {
      const { tokenId, role, messages } = message as unknown as Delivery;
      const workspace = await services.workspaces.byId(caller.workspace.id);
      if (workspace) deliver(session, { ...session.caller, tokenId, role, workspace }, messages);
    });
    const server = gatewayServer(gateway, caller, requestId);
    const remove = notifier.add({
      workspaceId: caller.workspace.id,
      tokenHash: tokenHash(),
      notify: (method) => void server.notification({ method }).catch(() => {}),
      close: () => void transport.close(),
    });
    // Set before connect: the Server chains its own onclose after ours.
    transport.onclose = () => {
      sessions.delete(sessionId);
      unsubscribe();
      remove();
      stream.close();
    };
    await server.connect(transport).catch((error: unknown) => {
      transport.onclose?.();
      throw error;
    });
    return new Response(transport.stream, {
      headers: {
        ...baseHeaders,
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      },
    });
  }

  async function post(call: EndpointCall): Promise<Response> {
    const { request, params, requestId, baseHeaders } = call;
    const admitted = await admit(services, call, params.workspace!, requestId, baseHeaders);
    if (admitted instanceof Response) return admitted;
    const { caller } = admitted;
    const sessionId = new URL(request.url).searchParams.get('sessionId') ?? '';
    const notFound = () =>
      httpError(
        404,
        'gateway/session-not-found',
        'No such session: open a new one at /sse.',
        requestId,
        baseHeaders,
      );
    if (!SESSION_ID.test(sessionId)) return notFound();
    // A session on another worker or node is one the registry knows, opened with this token; any
    // other would swallow the POST (202, and no answer ever on any stream).
    if (!sessions.has(sessionId) && !(await gateway.streams.isSessionOf(sessionId, caller.tokenId)))
      return notFound();
    // The request is built already (its URL names the session): its body is read from it.
    const body = () => (request.body ?? []) as unknown as AsyncIterable<Uint8Array>;
    const read = await readMessages({ header: call.header, body }, requestId, baseHeaders);
    if (read instanceof Response) return read;
    const parsed = read.messages.map((m) => JSONRPCMessageSchema.safeParse(m));
    if (parsed.length === 0 || parsed.some((p) => !p.success)) {
      return httpError(
        400,
        'request/invalid-body',
        'Invalid Request: not a JSON-RPC message.',
        requestId,
        baseHeaders,
        -32600,
      );
    }
    const messages = parsed.map((p) => p.data!);
    const cost = messages.filter((m) => 'method' in m && 'id' in m).length;
    const charged = cost === 0 ? {} : await charge(services, caller, cost, requestId, baseHeaders);
    if (charged instanceof Response) return charged;
    const headers = { ...baseHeaders, ...charged };

    const local = sessions.get(sessionId);
    if (local) {
      if (!deliver(local, caller, messages)) return notFound();
    } else {
      const delivery: Delivery = { tokenId: caller.tokenId!, role: caller.role, messages };
      try {
        await services.bus.publish(channelOf(sessionId), delivery as never);
      } catch (error) {
        if (!(error instanceof BusError && error.code === 'bus/message-too-large')) throw error;
        return httpError(
          413,
          'request/body-too-large',
          'The message is too large to reach its session.',
          requestId,
          headers,
        );
      }
    }
    return new Response('Accepted', { status: 202, headers: { ...headers, 'content-type': 'text/plain' } });
  }

  const common = { errors: 'json-rpc', decision: DECISION } as const;
  return [
    {
      ...common,
      method: 'GET',
      path: '/ws/{workspace}/sse',
      description: 'MCP legacy HTTP+SSE: opens a session stream; its first event names where to POST.',
      handle: open,
    },
    {
      ...common,
      method: 'POST',
      path: '/ws/{workspace}/messages',
      description:
        "MCP legacy HTTP+SSE: a message for the session of `sessionId`, answered on the session's stream.",
      handle: post,
    },
  ];
}
