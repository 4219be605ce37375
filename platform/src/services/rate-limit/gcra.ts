import type { RateLimitResult, RateLimitRule } from './types.js';

// GCRA (the generic cell rate algorithm, as in redis-cell and throttled): a key's whole state is
// one number, its theoretical arrival time (TAT). Each unit of cost moves the TAT one emission
// interval (window / limit) into the future; a request is allowed while the TAT it would leave
// is at most one window ahead of now. That is a token bucket of `limit` tokens refilled
// continuously, without a refill timer or a second stored field. The Redis script mirrors this.

/** Validates a rule and fills in its cost; throws RangeError for a rule no request could meet. */
export function normalizeRule(rule: RateLimitRule): Required<RateLimitRule> {
  const { limit, windowSeconds, cost = 1 } = rule;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`limit must be an integer ≥ 1, got ${limit}`);
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0 || windowSeconds > 31_536_000) {
    throw new RangeError(`windowSeconds must be > 0 and at most a year, got ${windowSeconds}`);
  }
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > limit) {
    throw new RangeError(`cost must be an integer from 0 to the limit (${limit}), got ${cost}`);
  }
  return { limit, windowSeconds, cost };
}

// Float arithmetic on intervals such as 1000 / 3 must not lose a whole request to rounding.
const EPSILON = 1e-6;

/** One decision: the result, and the TAT to store (null: leave the stored state as it is). */
export function gcra(
  storedTat: number | undefined,
  nowMs: number,
  rule: Required<RateLimitRule>,
): { result: RateLimitResult; tat: number | null } {
  const windowMs = rule.windowSeconds * 1000;
  const interval = windowMs / rule.limit;
  const tat = Math.max(storedTat ?? nowMs, nowMs);
  const next = tat + interval * rule.cost;
  const allowAt = next - windowMs;
  const allowed = allowAt <= nowMs + EPSILON;
  const ahead = (allowed ? next : tat) - nowMs;
  return {
    result: {
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, Math.floor((windowMs - ahead) / interval + EPSILON)),
      resetSeconds: Math.ceil(ahead / 1000 - EPSILON / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((allowAt - nowMs) / 1000)),
    },
    tat: allowed && rule.cost > 0 ? next : null,
  };
}
