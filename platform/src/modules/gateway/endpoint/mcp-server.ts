import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  type Progress,
  ReadResourceRequestSchema,
  type RequestId,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Services } from '../../../services.js';
import { VERSION } from '../../../version.js';
import { type Aggregator, type ListKind, merge } from './aggregate.js';
import type { Calls } from './calls.js';
import type { Cancellations } from './cancel.js';
import type { GatewayStreams } from './streams.js';
import type { Caller } from './types.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every gateway Server shares; built once per worker. */
export interface Gateway {
  services: Services;
  aggregator: Aggregator;
  calls: Calls;
  cancellations: Cancellations;
  /** The event streams open on every worker and node (caps, legacy sessions). */
  streams: GatewayStreams;
}

/** Every list may change (upstreams come and go): clients are told over their notification stream. */
const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { listChanged: true },
  prompts: { listChanged: true },
};

/**
 * The SDK builds an Ajv instance per Server unless given one (it only validates elicitation
 * answers, which the gateway never asks for): one shared instance keeps a Server per request cheap.
 */
const validator = new AjvJsonSchemaValidator();

/** An McpError passes as it is; anything else is logged and becomes a safe internal error. */
function internalError(services: Services, requestId: string, error: unknown): McpError {
  if (error instanceof McpError) return error;
  services.logger.error('gateway request failed', {
    requestId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  const failure = new McpError(ErrorCode.InternalError, '', { code: 'internal/unexpected', requestId });
  failure.message = `Something failed on the platform; quote request ${requestId}.`;
  return failure;
}

/** Runs a forwarded request so that a cancel from any worker aborts it (a token's calls only). */
function trackedCall<T>(
  cancellations: Cancellations,
  caller: Caller,
  id: RequestId,
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal, controller?: AbortController) => Promise<T>,
): Promise<T> {
  if (caller.tokenId !== null) return cancellations.track(caller.tokenId, id, signal, work);
  if (signal) return work(signal);
  const controller = new AbortController();
  return work(controller.signal, controller);
}

/**
 * tools/call without an SDK Server, for the Streamable HTTP fast lane (decision 0043): the same
 * checks, forwarding, cancellation and errors as the Server's handler below. `request` has passed
 * the SDK's CallToolRequestSchema once (toolCallOf); its result was checked once where it entered
 * the platform, with the SDK's CallToolResultSchema. No progress here: a request asking for it
 * takes the SDK path.
 */
export async function callToolFast(
  gateway: Gateway,
  caller: Caller,
  requestId: string,
  id: RequestId,
  params: CallToolRequest['params'],
): Promise<CallToolResult> {
  try {
    return await trackedCall(gateway.cancellations, caller, id, undefined, (signal, controller) =>
      gateway.calls.callTool(caller, params, { signal, controller }),
    );
  } catch (error) {
    throw internalError(gateway.services, requestId, error);
  }
}

/**
 * An SDK Server answering for `caller`: initialize (the SDK negotiates the protocol version) and
 * ping come with it; the lists fan out over the workspace's servers; calls are forwarded. One is
 * built per Streamable HTTP request (stateless) or per legacy SSE session.
 */
export function gatewayServer(
  gateway: Gateway,
  caller: Caller,
  requestId: string,
  /** When the request arrived (performance.now()): list deadlines count from there. */
  startedAt?: number,
): Server {
  const { aggregator, calls, cancellations, services } = gateway;
  const server = new Server(
    { name: 'aerostack-gateway', title: caller.workspace.name, version: VERSION },
    { capabilities: CAPABILITIES, jsonSchemaValidator: validator },
  );
  const workspaceId = caller.workspace.id;

  /** Unexpected failures become a safe internal error; the details stay in the log. */
  const guarded =
    <R, T>(handle: (request: R, extra: Extra) => Promise<T>) =>
    async (request: R, extra: Extra): Promise<T> => {
      try {
        return await handle(request, extra);
      } catch (error) {
        throw internalError(services, requestId, error);
      }
    };

  /** The merged list, with the skipped servers named in `_meta`. */
  const list = async <K extends ListKind>(kind: K, extra: Extra) => {
    const collected = await aggregator.collect(
      workspaceId,
      kind,
      extra.signal,
      undefined,
      startedAt ?? performance.now(),
    );
    return { items: merge(kind, collected.lists), _meta: { 'aerostack/skipped': collected.skipped } };
  };

  /** A forwarded request's signal: the SDK's (connection closed, legacy cancel) or a cancel from any worker. */
  const tracked = <T>(
    extra: Extra,
    work: (signal: AbortSignal, controller?: AbortController) => Promise<T>,
  ) => trackedCall(cancellations, caller, extra.requestId, extra.signal, work);

  const progressOf = (request: { params: { _meta?: { progressToken?: string | number } } }, extra: Extra) => {
    const progressToken = request.params._meta?.progressToken;
    if (progressToken === undefined) return undefined;
    return (progress: Progress) => {
      extra
        .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
        .catch(() => {}); // the client went away: the call is being cancelled anyway
    };
  };

  server.setRequestHandler(
    ListToolsRequestSchema,
    guarded(async (_request, extra) => {
      const { items, _meta } = await list('tools', extra);
      return { tools: items, _meta };
    }),
  );
  server.setRequestHandler(
    ListResourcesRequestSchema,
    guarded(async (_request, extra) => {
      const { items, _meta } = await list('resources', extra);
      return { resources: items, _meta };
    }),
  );
  server.setRequestHandler(
    ListResourceTemplatesRequestSchema,
    guarded(async (_request, extra) => {
      const { items, _meta } = await list('resourceTemplates', extra);
      return { resourceTemplates: items, _meta };
    }),
  );
  server.setRequestHandler(
    ListPromptsRequestSchema,
    guarded(async (_request, extra) => {
      const { items, _meta } = await list('prompts', extra);
      return { prompts: items, _meta };
    }),
  );
  server.setRequestHandler(
    CallToolRequestSchema,
    guarded((request, extra) =>
      tracked(extra, (signal, controller) =>
        calls.callTool(caller, request.params, {
          signal,
          controller,
          onprogress: progressOf(request, extra),
        }),
      ),
    ),
  );
  server.setRequestHandler(
    GetPromptRequestSchema,
    guarded((request, extra) =>
      tracked(extra, (signal) => calls.getPrompt(caller, request.params, { signal })),
    ),
  );
  server.setRequestHandler(
    ReadResourceRequestSchema,
    guarded((request, extra) =>
      tracked(extra, (signal) => calls.readResource(caller, request.params, { signal })),
    ),
  );
  return server;
}
