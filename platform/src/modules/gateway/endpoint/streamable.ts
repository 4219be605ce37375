import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ErrorCode, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Endpoint, EndpointCall } from '../../../http/endpoints.js';
import { ApiError } from '../../../http/problem.js';
import type { Reply } from '../../../http/reply/reply.js';
import { readBody } from '../../../http/request/body.js';
import { admit, charge, httpError } from './access.js';
import { answerPlain, answerToolCall, hasPlainHeaders, isPlainRequest, toolCallOf } from './json-answer.js';
import { callToolFast, type Gateway, gatewayServer } from './mcp-server.js';
import type { Notifier } from './notify.js';
import { answer } from './responses.js';

export const DECISION = 'docs/decisions/0035-mcp-gateway-endpoint.md';
/** What one POST may carry (the SDK's own default). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface Message {
  id?: RequestId;
  method?: unknown;
  params?: { requestId?: unknown; _meta?: { progressToken?: unknown } };
}

const isRequestId = (id: unknown): id is RequestId => typeof id === 'string' || typeof id === 'number';
const isRequest = (m: Message) => typeof m.method === 'string' && m.id !== undefined;
const isObject = (m: unknown): m is Message => typeof m === 'object' && m !== null && !Array.isArray(m);

/** The POSTed JSON-RPC message(s), or the HTTP error to answer with. */
export async function readMessages(
  call: Pick<EndpointCall, 'header' | 'body'>,
  requestId: string,
  headers: Record<string, string>,
): Promise<{ parsed: unknown; messages: Message[] } | Response> {
  let text: string;
  try {
    const bytes = await readBody(call, MAX_BODY_BYTES);
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return httpError(error.status, error.code, `A message may be ${MAX_BODY_BYTES} bytes.`, requestId, {
      ...headers,
      ...error.extra.headers,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return httpError(
      400,
      'request/invalid-json',
      'Parse error: the body is not JSON.',
      requestId,
      headers,
      ErrorCode.ParseError,
    );
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  // Anything else is refused by the SDK transport with its own JSON-RPC error.
  return { parsed, messages: list.filter(isObject) };
}

/**
 * MCP Streamable HTTP at `/ws/{workspace}`, stateless: no session, a new SDK Server per request,
 * so any worker of any node answers any request (decision 0035). A POST whose requests ask for
 * progress is answered as an event stream (the progress goes out before the result); any other
 * as one JSON body, the cheaper path. A GET is the notification stream (list_changed).
 */
export function streamableEndpoints(gateway: Gateway, notifier: Notifier): Endpoint[] {
  const { services, cancellations } = gateway;
  const common = { path: '/ws/{workspace}', errors: 'json-rpc', decision: DECISION } as const;

  async function post(call: EndpointCall): Promise<Response | Reply> {
    const startedAt = performance.now();
    const { params, requestId, baseHeaders } = call;
    const admitted = await admit(services, call, params.workspace!, requestId, baseHeaders);
    if (admitted instanceof Response) return admitted;
    const { caller } = admitted;
    // Read before `call.request` is built, so that request carries no body stream.
    const read = await readMessages(call, requestId, baseHeaders);
    if (read instanceof Response) return read;
    const requests = read.messages.filter(isRequest);
    // Every JSON-RPC request costs one; notifications and responses cost nothing.
    const charged =
      requests.length === 0 ? {} : await charge(services, caller, requests.length, requestId, baseHeaders);
    if (charged instanceof Response) return charged;
    const headers = { ...baseHeaders, ...charged };

    // A cancellation is for a request running wherever its POST landed: tell every worker.
    // (Within the SDK's batch bound: a larger batch is refused below, its cancellations too.)
    if (read.messages.length <= MAX_BATCH_SIZE) {
      for (const message of read.messages) {
        const target = message.params?.requestId;
        if (message.method === 'notifications/cancelled' && isRequestId(target)) {
          await cancellations.cancel(caller.tokenId!, target);
        }
      }
    }
    // tools/call, the hot path, without an SDK Server (decision 0043).
    const toolCall = toolCallOf(read.parsed);
    if (toolCall && hasPlainHeaders(call.header)) {
      const caught = () => callToolFast(gateway, caller, requestId, toolCall.id, toolCall.params);
      const body = await answerToolCall(toolCall.id, caught);
      const merged: Record<string, string> = { 'content-type': 'application/json' };
      for (const name in baseHeaders) merged[name.toLowerCase()] = baseHeaders[name] as string;
      for (const name in charged) merged[name.toLowerCase()] = (charged as Record<string, string>)[name]!;
      return { status: 200, headers: merged, body };
    }
    // The common case (one request, JSON answer) without the SDK transport's web Request/Response.
    if (isPlainRequest(call.header, read.parsed)) {
      const server = gatewayServer(gateway, caller, requestId, startedAt);
      const body = await answerPlain(server, read.parsed as JSONRPCMessage);
      const merged: Record<string, string> = { 'content-type': 'application/json' };
      for (const name in headers) merged[name.toLowerCase()] = headers[name] as string;
      return { status: 200, headers: merged, body };
    }
    const progress = requests.some((r) => r.params?._meta?.progressToken !== undefined);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !progress,
    });
    await gatewayServer(gateway, caller, requestId, startedAt).connect(transport);
    const response = await transport.handleRequest(call.request, { parsedBody: read.parsed });
    return answer(response, headers, () => void transport.close());
  }

  async function get(call: EndpointCall): Promise<Response | Reply> {
    const { request, params, requestId, baseHeaders } = call;
    const admitted = await admit(services, call, params.workspace!, requestId, baseHeaders);
    if (admitted instanceof Response) return admitted;
    const { caller, tokenHash } = admitted;
    const stream = await gateway.streams.open(caller, 'notifications');
    if (!stream)
      return httpError(429, 'gateway/too-many-streams', gateway.streams.tooMany(), requestId, baseHeaders);
    const server = gatewayServer(gateway, caller, requestId);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    // The stream's record goes with any failure before the stream is handed out.
    const response = await server
      .connect(transport)
      .then(() => transport.handleRequest(request))
      .catch((error: unknown) => {
        stream.close();
        throw error;
      });
    if (response.status !== 200) {
      stream.close();
      return answer(response, baseHeaders, () => {});
    }
    const remove = notifier.add({
      workspaceId: caller.workspace.id,
      tokenHash: tokenHash(),
      notify: (method) => void server.notification({ method }).catch(() => {}),
      close: () => void transport.close(),
    });
    return answer(response, baseHeaders, () => {
      remove();
      stream.close();
      void transport.close();
    });
  }

  /** There is no session to end; the SDK answers (and checks the protocol version header). */
  async function remove(call: EndpointCall): Promise<Response | Reply> {
    const { request, params, requestId, baseHeaders } = call;
    const admitted = await admit(services, call, params.workspace!, requestId, baseHeaders);
    if (admitted instanceof Response) return admitted;
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    return answer(await transport.handleRequest(request), baseHeaders, () => {});
  }

  return [
    {
      ...common,
      method: 'POST',
      description: 'MCP Streamable HTTP: JSON-RPC requests to the workspace gateway (stateless).',
      handle: post,
    },
    {
      ...common,
      method: 'GET',
      description: "MCP Streamable HTTP: the gateway's notification stream (list_changed).",
      handle: get,
    },
    {
      ...common,
      method: 'DELETE',
      description: 'MCP Streamable HTTP: session end (the gateway keeps no session).',
      handle: remove,
    },
  ];
}
