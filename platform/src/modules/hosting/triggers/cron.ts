import { Cron } from 'croner';

/** Parsed schedules, shared by every worker that uses the same expression. */
const parsed = new Map<string, Cron | null>();
/** More distinct expressions than this are parsed again rather than kept. */
const MAX_PARSED = 10_000;

/** The schedule, in UTC as Cloudflare's Cron Triggers; null when croner refuses the expression. */
function scheduleOf(expression: string): Cron | null {
  let cron = parsed.get(expression);
  if (cron === undefined) {
    try {
      cron = new Cron(expression, { timezone: 'UTC', paused: true });
    } catch {
      cron = null;
    }
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(expression, cron);
  }
  return cron;
}

/** Why croner refuses `expression` (an impossible field such as minute 61), or null when it is a schedule. */
export function cronError(expression: string): string | null {
  try {
    new Cron(expression, { timezone: 'UTC', paused: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The latest tick of `expression` at or before `now` (epoch ms), or null. */
export function latestTick(expression: string, now: number): number | null {
  // croner counts a run in the same second as the reference but not at the reference itself.
  const [tick] = scheduleOf(expression)?.previousRuns(1, new Date(now + 1)) ?? [];
  return tick ? tick.getTime() : null;
}
