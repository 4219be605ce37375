import { AerostackError } from './aerostack-error';

// Errors the client raises itself: status 0 (no response), no request id.

export function networkError(cause: unknown): AerostackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new AerostackError({
    code: 'client/network',
    status: 0,
    title: 'Network error',
    detail: `The request could not reach the platform: ${reason}`,
    cause,
  });
}

export function timeoutError(timeoutMs: number): AerostackError {
  return new AerostackError({
    code: 'client/timeout',
    status: 0,
    title: 'Request timed out',
    detail: `No complete response within ${timeoutMs} ms.`,
  });
}

export function abortedError(reason: unknown): AerostackError {
  return new AerostackError({
    code: 'client/aborted',
    status: 0,
    title: 'Request aborted',
    detail: 'The caller aborted the request.',
    cause: reason,
  });
}
