import type {
  CallToolRequest,
  CallToolResult,
  GetPromptRequest,
  GetPromptResult,
  Progress,
  ReadResourceRequest,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Services } from '../../../services.js';
import type { Aggregator, Visited } from './aggregate.js';
import { CancelledError, codeOf, RPC, rpcError, toRpcError, unknownName } from './errors.js';
import { splitName } from './names.js';
import { mayCall } from './roles.js';
import type { Caller, ServerRecord } from './types.js';

/** What one forwarded request carries besides its params. */
export interface Forward {
  /** Aborted when the client cancels or goes away: the upstream request is cancelled with it. */
  signal: AbortSignal;
  /** The controller behind `signal`, owned by this request: the upstream's deadline may abort it. */
  controller?: AbortController;
  /** Set when the client asked for progress (sent a progressToken). */
  onprogress?: (progress: Progress) => void;
  /** The workspaces already on the way down a composition. */
  visited?: Visited;
}

/** The params as the upstream should see them: its own name, and no progress token of our client's. */
function upstreamParams<P extends { _meta?: { progressToken?: unknown } }>(params: P, name: string): P {
  if (params._meta?.progressToken === undefined) return { ...params, name };
  const { progressToken: _ours, ...meta } = params._meta;
  return { ...params, name, _meta: meta };
}

export type Calls = ReturnType<typeof createCalls>;

/** The client cancelled or went away (not: the upstream's deadline aborted an owned controller). */
const cancelled = (signal: AbortSignal) =>
  signal.aborted && !(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError');

/**
 * tools/call, resources/read and prompts/get: resolve the gateway name (or the URI) to a server,
 * check what the caller may do, and forward to the upstream pool, or, for a server of kind
 * `workspace`, to the same logic one workspace down (its own limits and analytics apply there).
 */
export function createCalls(services: Services, aggregator: Aggregator) {
  const { config, gateway, workspaces, analytics } = services;

  const timeoutOf = (server: ServerRecord) => server.timeoutMs ?? config.gateway.callTimeoutMs;

  /** The caller one workspace down a composition, or a loop error. */
  async function innerCaller(server: ServerRecord, caller: Caller, visited: Visited) {
    const target = server.targetWorkspaceId;
    const workspace = target && !visited.has(target) ? await workspaces.byId(target) : null;
    if (!workspace) {
      throw rpcError(
        RPC.upstreamError,
        'gateway/composition-loop',
        `${server.slug} leads back into the composition.`,
      );
    }
    const inner: Caller = { workspace, role: caller.role, memberId: null, tokenId: null };
    return { inner, visited: new Set(visited).add(workspace.id) };
  }

  async function callTool(
    caller: Caller,
    params: CallToolRequest['params'],
    o: Forward,
  ): Promise<CallToolResult> {
    const { workspace } = caller;
    const visited = o.visited ?? new Set([workspace.id]);
    const resolved = await aggregator
      .resolve(workspace.id, 'tools', params.name, o.signal, visited)
      .catch((error: unknown) => {
        throw toRpcError(error, splitName(params.name)?.server ?? params.name);
      });
    if (!resolved) throw unknownName('tool', params.name);
    const { server, item: tool } = resolved;
    const startedAt = Date.now();
    // performance.now(): sub-millisecond calls are the common case, and Date.now() reads them as 0.
    const started = performance.now();
    let errorCode: string | null = null;
    try {
      if (!mayCall(caller.role, tool)) {
        throw rpcError(
          RPC.forbidden,
          'gateway/forbidden',
          `A read-only token calls only tools annotated readOnlyHint: ${params.name} is not.`,
        );
      }
      const { callsPerMonth } = workspaces.limitsOf(workspace);
      if (!(await analytics.reserveCall(workspace.id, callsPerMonth))) {
        throw rpcError(
          RPC.monthlyLimit,
          'gateway/monthly-limit',
          `The workspace has used its ${callsPerMonth} calls of this month.`,
        );
      }
      const forwarded = upstreamParams(params, tool.name);
      let result: CallToolResult;
      if (server.kind === 'proxy') {
        result = await gateway.upstreams.callTool(server, forwarded, {
          signal: o.signal,
          controller: o.controller,
          timeoutMs: timeoutOf(server),
          onprogress: o.onprogress,
        });
      } else {
        const { inner, visited: deeper } = await innerCaller(server, caller, visited);
        result = await callTool(inner, forwarded, { ...o, visited: deeper });
      }
      if (result.isError) errorCode = 'gateway/tool-error';
      return result;
    } catch (error) {
      const failure = cancelled(o.signal) ? new CancelledError('cancelled') : error;
      errorCode = codeOf(failure);
      throw toRpcError(failure, server.slug);
    } finally {
      // Who, what and how it went; never the arguments or the result.
      analytics.record({
        workspaceId: workspace.id,
        memberId: caller.memberId,
        tokenId: caller.tokenId,
        serverId: server.id,
        server: server.slug,
        tool: tool.name,
        startedAt,
        durationMs: performance.now() - started,
        status: errorCode === null ? 'ok' : 'error',
        errorCode,
      });
    }
  }

  async function getPrompt(
    caller: Caller,
    params: GetPromptRequest['params'],
    o: Forward,
  ): Promise<GetPromptResult> {
    const visited = o.visited ?? new Set([caller.workspace.id]);
    const resolved = await aggregator
      .resolve(caller.workspace.id, 'prompts', params.name, o.signal, visited)
      .catch((error: unknown) => {
        throw toRpcError(error, splitName(params.name)?.server ?? params.name);
      });
    if (!resolved) throw unknownName('prompt', params.name);
    const { server, item } = resolved;
    const forwarded = upstreamParams(params, item.name);
    try {
      if (server.kind === 'proxy') {
        return await gateway.upstreams.getPrompt(server, forwarded, {
          signal: o.signal,
          timeoutMs: timeoutOf(server),
        });
      }
      const { inner, visited: deeper } = await innerCaller(server, caller, visited);
      return await getPrompt(inner, forwarded, { ...o, visited: deeper });
    } catch (error) {
      throw toRpcError(o.signal.aborted ? new CancelledError('cancelled') : error, server.slug);
    }
  }

  async function readResource(
    caller: Caller,
    params: ReadResourceRequest['params'],
    o: Forward,
  ): Promise<ReadResourceResult> {
    const visited = o.visited ?? new Set([caller.workspace.id]);
    const server = await aggregator.route(caller.workspace.id, params.uri, o.signal, visited);
    if (!server) throw unknownName('resource', params.uri);
    try {
      if (server.kind === 'proxy') {
        return await gateway.upstreams.readResource(server, params, {
          signal: o.signal,
          timeoutMs: timeoutOf(server),
        });
      }
      const { inner, visited: deeper } = await innerCaller(server, caller, visited);
      return await readResource(inner, params, { ...o, visited: deeper });
    } catch (error) {
      throw toRpcError(o.signal.aborted ? new CancelledError('cancelled') : error, server.slug);
    }
  }

  return { callTool, getPrompt, readResource };
}
