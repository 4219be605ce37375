// When to retry and how long to wait. Shared rules for every Aerostack client:
// connection errors, 408, 409, 429 and 5xx are retried, only for idempotent requests.

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Backoff before retry n (0-based) is uniform in [0, min(MAX, BASE * 2^n)] ("full jitter"). */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8_000;
/** A server asking for a longer pause than this is still honoured, but only up to this long. */
export const RETRY_AFTER_CAP_MS = 60_000;

/** A request may be sent twice when its method is idempotent or it carries an Idempotency-Key. */
export function isIdempotent(method: string, headers: Headers): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase()) || headers.has('Idempotency-Key');
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a day or month; this keeps Date.parse from reading "-1" as a year.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How long to wait before retry `retry` (0-based), honouring the server's `Retry-After` when given. */
export function retryDelay(retry: number, retryAfterMs: number | undefined, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
  return Math.floor(random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** retry));
}
