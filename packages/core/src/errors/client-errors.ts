import { CLIENT_ERRORS } from '../generated/behaviour';
import { AerostackError } from './aerostack-error';

// Errors the client raises itself: status 0 (no response), no request id.

export function networkError(cause: unknown): AerostackError {
  return new AerostackError({
    code: CLIENT_ERRORS.network,
    status: 0,
    title: 'Network error',
    detail: cause instanceof Error ? cause.message : String(cause),
    cause,
  });
}

export function timeoutError(timeoutMs: number): AerostackError {
  return new AerostackError({
    code: CLIENT_ERRORS.timeout,
    status: 0,
    title: 'Request timed out',
    detail: `No response within ${timeoutMs} ms.`,
  });
}

export function abortedError(reason: unknown): AerostackError {
  return new AerostackError({
    code: CLIENT_ERRORS.aborted,
    status: 0,
    title: 'Request aborted',
    cause: reason,
  });
}

/**
 * Whether a fetch failure means the connection could not be opened, so the request never left
 * (refused, unknown host, unreachable, connect timeout). Runtimes that do not say (browsers) give
 * a plain "network" failure, the cautious reading.
 */
export function isConnectFailure(error: AerostackError): boolean {
  const { cause } = error as { cause?: { cause?: { code?: unknown } } };
  return /^E(CONNREFUSED|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH)$|CONNECT_TIMEOUT/.test(
    String(cause?.cause?.code),
  );
}
