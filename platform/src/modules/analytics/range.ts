import { ApiError } from '../../http/problem.js';

const DAY_MS = 86_400_000;

/** `[from, to)` in epoch ms; null ends are open. */
export interface Range {
  from: number | null;
  to: number | null;
}

function ordered(from: number | null, to: number | null, detail: () => string): void {
  if (from !== null && to !== null && from > to) throw new ApiError('analytics/invalid-range', detail());
}

/** The range of `from` / `to` (RFC 3339 strings, checked by the spec); `from` after `to` is a 422. */
export function rangeOf(from: string | undefined, to: string | undefined): Range {
  const range = {
    from: from === undefined ? null : Date.parse(from),
    to: to === undefined ? null : Date.parse(to),
  };
  ordered(range.from, range.to, () => `from (${from}) is after to (${to}).`);
  return range;
}

/** A summary's range: `to` defaults to now and `from` to 24 hours before `to`. */
export function summaryRangeOf(from: string | undefined, to: string | undefined, now: number) {
  const given = rangeOf(from, to);
  const end = given.to ?? now;
  const start = given.from ?? end - DAY_MS;
  ordered(
    start,
    end,
    () => `from (${from}) is after to, which defaults to now (${new Date(now).toISOString()}).`,
  );
  return { from: start, to: end };
}
