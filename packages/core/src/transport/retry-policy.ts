// When to retry and how long to wait: the rules of spec/clients/README.md, on the numbers of
// spec/clients/behaviour.json (generated into ../generated/behaviour.ts). spec/clients/cases.json
// is the table of cases every Aerostack client runs against these two functions.
import {
  BACKOFF_INITIAL_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_MS,
  BACKOFF_MULTIPLIER,
  IDEMPOTENT_METHODS,
  RETRY_AFTER_CAP_MS,
  RETRY_SERVER_ERRORS,
  RETRY_STATUSES,
} from '../generated/behaviour';

/**
 * How an attempt ended: a response with a status, a connection that could not be opened (the
 * request never left), a connection that broke after the request may have been sent, or the
 * per-attempt deadline.
 */
export type Outcome = 'status' | 'connect' | 'network' | 'timeout';

/**
 * Whether an attempt that ended in `outcome` may be retried. A refused connection always may; a
 * retryable status, a broken connection or a timeout only when the call is safe to repeat: an
 * idempotent method, or an `Idempotency-Key` on the request.
 */
export function isRetryable(
  method: string,
  hasIdempotencyKey: boolean,
  outcome: Outcome,
  status?: number,
): boolean {
  if (outcome === 'connect') return true;
  if (!hasIdempotencyKey && !IDEMPOTENT_METHODS.includes(method.toUpperCase())) return false;
  if (outcome !== 'status') return true;
  return RETRY_STATUSES.includes(status ?? 0) || (RETRY_SERVER_ERRORS && status! >= 500 && status! <= 599);
}

/**
 * Milliseconds to wait before retry `n` (0-based): the response's `Retry-After` (seconds or an
 * HTTP date, relative to `nowMs`) capped, or else exponential backoff with `r` (uniform in
 * [0, 1)) taking off up to the jitter share.
 */
export function retryDelayMs(n: number, retryAfter: string | null, nowMs: number, r: number): number {
  const value = retryAfter?.trim() ?? '';
  // An HTTP date always names a day or month; this keeps Date.parse from reading "-1" as a year.
  const after = /^\d+$/.test(value)
    ? +value * 1000
    : /[a-z]/i.test(value)
      ? Date.parse(value) - nowMs
      : Number.NaN;
  if (!Number.isNaN(after)) return Math.min(Math.max(0, after), RETRY_AFTER_CAP_MS);
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * BACKOFF_MULTIPLIER ** n);
  return Math.floor(base * (1 - BACKOFF_JITTER * r));
}
