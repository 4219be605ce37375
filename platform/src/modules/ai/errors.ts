import {
  APICallError,
  InvalidResponseDataError,
  JSONParseError,
  NoContentGeneratedError,
  RetryError,
  TypeValidationError,
} from 'ai';
import { ApiError } from '../../http/problem.js';

const MAX_DETAIL = 500;

/** The provider's own message, short: its error bodies say what was wrong with the request. */
function providerMessage(error: APICallError): string {
  let message = error.message;
  try {
    const body = JSON.parse(error.responseBody ?? '') as {
      error?: { message?: unknown } | string;
      message?: unknown;
    };
    const inner = typeof body.error === 'object' ? body.error?.message : (body.error ?? body.message);
    if (typeof inner === 'string' && inner !== '') message = inner;
  } catch {
    // not JSON: keep the SDK's message
  }
  return message.length > MAX_DETAIL ? `${message.slice(0, MAX_DETAIL)}…` : message;
}

/** Seconds from the provider's `retry-after` (seconds or an HTTP date), at least 1. */
function retryAfterOf(headers: Record<string, string> | undefined): string {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (raw !== undefined) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return String(Math.max(1, Math.ceil(seconds)));
    const date = Date.parse(raw);
    if (!Number.isNaN(date)) return String(Math.max(1, Math.ceil((date - Date.now()) / 1000)));
  }
  return '1';
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * The problem to answer for a provider's failure (decision 0041): 401/403 → 502
 * `ai/provider-unauthorized` (the operator's key, not the caller's), 429 → 429
 * `ai/provider-rate-limited` with the provider's Retry-After, another 4xx → 400
 * `ai/provider-rejected` with the provider's message, 5xx and unreachable → 502 `ai/provider-error`,
 * an unreadable answer → 502 `ai/provider-invalid-response`, our deadline → 504.
 */
export function providerProblem(error: unknown, timedOut = false): ApiError {
  if (error instanceof ApiError) return error;
  if (RetryError.isInstance(error)) return providerProblem(error.lastError, timedOut);
  if (timedOut || (isAbort(error) && error instanceof Error && error.name === 'TimeoutError')) {
    return new ApiError('ai/provider-timeout', 'The AI provider did not answer in time.');
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status !== undefined && status < 400) {
      // A 2xx whose body the SDK could not read (malformed JSON, a body of the wrong shape).
      return new ApiError('ai/provider-invalid-response', 'The AI provider answered something unreadable.');
    }
    if (status === 401 || status === 403) {
      return new ApiError(
        'ai/provider-unauthorized',
        `The AI provider answered ${status}: check AEROSTACK_AI_API_KEY.`,
      );
    }
    if (status === 429) {
      return new ApiError('ai/provider-rate-limited', providerMessage(error), {
        headers: { 'Retry-After': retryAfterOf(error.responseHeaders) },
      });
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return new ApiError('ai/provider-rejected', providerMessage(error));
    }
    if (status === undefined) {
      // No answer at all (connection refused, reset); the SDK keeps the cause.
      return new ApiError('ai/provider-error', 'The AI provider could not be reached.');
    }
    return new ApiError('ai/provider-error', `The AI provider answered ${status}.`);
  }
  if (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  ) {
    return new ApiError('ai/provider-invalid-response', 'The AI provider answered something unreadable.');
  }
  if (error instanceof TypeError) {
    // fetch's network failures are TypeErrors ("fetch failed").
    return new ApiError('ai/provider-error', 'The AI provider could not be reached.');
  }
  return new ApiError('ai/provider-error', 'The AI provider failed.');
}
