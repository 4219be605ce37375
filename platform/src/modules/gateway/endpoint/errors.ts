import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamError } from '../upstream.js';

/**
 * The gateway's JSON-RPC errors (decision 0035). The numbers follow the MCP spec where it has one
 * (-32602 for an unknown tool); ours sit in the implementation-defined range, and `error.data.code`
 * always carries the platform's stable string code, the one clients switch on.
 */
export const RPC = {
  invalidParams: ErrorCode.InvalidParams,
  forbidden: -32001,
  upstreamUnavailable: -32002,
  upstreamTimeout: -32003,
  monthlyLimit: -32004,
  upstreamError: -32005,
} as const;

/** A JSON-RPC error of the gateway's own, with our stable code in `data.code`. */
export class GatewayRpcError extends McpError {
  constructor(
    code: number,
    readonly stableCode: string,
    message: string,
  ) {
    super(code, message, { code: stableCode });
    this.message = message; // the SDK sends `message` as it is: no "MCP error -32602:" prefix on the wire
  }
}

/**
 * An upstream's JSON-RPC error as the client should see it: its code, message and data unchanged.
 * The SDK prefixes "MCP error <code>: " to the message of every McpError it builds; without
 * stripping it each hop (upstream → gateway → composed gateway) would add another.
 */
function passThrough(error: McpError): McpError {
  const prefix = `MCP error ${error.code}: `;
  if (!error.message.startsWith(prefix)) return error;
  const clean = new McpError(error.code, '', error.data);
  clean.message = error.message.slice(prefix.length);
  return clean;
}

export function rpcError(code: number, stableCode: string, message: string): GatewayRpcError {
  return new GatewayRpcError(code, stableCode, message);
}

export function unknownName(what: 'tool' | 'prompt' | 'resource', name: string): McpError {
  return rpcError(RPC.invalidParams, `gateway/unknown-${what}`, `Unknown ${what}: ${name}`);
}

/** The gateway's own deadline on an upstream (the upstream itself may never notice). */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  readonly code = 'gateway/upstream-timeout';
}

/** The request was cancelled by its client (notifications/cancelled or the connection went away). */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly code = 'gateway/cancelled';
}

const UPSTREAM_RPC: Record<string, number> = {
  'gateway/upstream-unavailable': RPC.upstreamUnavailable,
  'gateway/upstream-timeout': RPC.upstreamTimeout,
};

/**
 * What a failed upstream step becomes for the client: the upstream's own JSON-RPC error unchanged,
 * our failures as -32002 / -32003 / -32005 with their stable code. Anything else is a bug of ours
 * and is rethrown for the caller's catch-all (logged, answered as an internal error).
 */
export function toRpcError(error: unknown, server: string): McpError {
  if (error instanceof GatewayRpcError) return error;
  if (error instanceof McpError) return passThrough(error);
  if (error instanceof DeadlineError) {
    return rpcError(RPC.upstreamTimeout, error.code, `The server ${server} did not answer in time.`);
  }
  if (error instanceof CancelledError) {
    return rpcError(ErrorCode.RequestTimeout, error.code, 'The request was cancelled.');
  }
  if (error instanceof UpstreamError) {
    return rpcError(UPSTREAM_RPC[error.code] ?? RPC.upstreamError, error.code, `${server}: ${error.message}`);
  }
  throw error;
}

/** The stable code analytics and `_meta` record for a failure (never its message). */
export function codeOf(error: unknown): string {
  if (error instanceof GatewayRpcError) return error.stableCode;
  // An upstream's own error: its number only (its data is the upstream's, not a code of ours).
  if (error instanceof McpError) return `mcp/${error.code}`;
  if (error instanceof DeadlineError || error instanceof CancelledError || error instanceof UpstreamError) {
    return error.code;
  }
  return 'internal/unexpected';
}
