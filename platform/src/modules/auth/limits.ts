import { takeOrRefuse } from '../../http/limit.js';
import type { RateLimitRule } from '../../services/rate-limit/index.js';
import type { Services } from '../../services.js';

/**
 * Brute-force limits of the auth flows (decision 0028), per client IP and per identity (email),
 * both within one project, on the platform's rate limiter. Generous enough for people, tight for
 * scripts.
 */
export const LIMITS = {
  signUp: { ip: { limit: 30, windowSeconds: 3600 } },
  signIn: { ip: { limit: 60, windowSeconds: 300 }, identity: { limit: 10, windowSeconds: 300 } },
  sendEmail: { ip: { limit: 30, windowSeconds: 3600 }, identity: { limit: 5, windowSeconds: 3600 } },
  verify: { ip: { limit: 60, windowSeconds: 300 }, identity: { limit: 15, windowSeconds: 300 } },
  refresh: { ip: { limit: 300, windowSeconds: 60 } },
  // Providers send each browser back once per sign-in; more from one address is a script.
  oidcCallback: { ip: { limit: 60, windowSeconds: 300 } },
} satisfies Record<string, { ip: RateLimitRule; identity?: RateLimitRule }>;

/** Takes one from each bucket; 429 `rate-limit/exceeded` with `Retry-After` when one is empty. */
export async function limit(
  services: Services,
  flow: keyof typeof LIMITS,
  keys: { ip: string; projectId: string; identity?: string },
): Promise<void> {
  const rules: (typeof LIMITS)[keyof typeof LIMITS] = LIMITS[flow];
  const buckets: Array<[string, RateLimitRule]> = [
    [`auth.${flow}:ip:${keys.projectId}:${keys.ip}`, rules.ip],
  ];
  if ('identity' in rules && keys.identity !== undefined) {
    buckets.push([`auth.${flow}:id:${keys.projectId}:${keys.identity}`, rules.identity]);
  }
  for (const [key, rule] of buckets) {
    await takeOrRefuse(services.rateLimiter, key, rule, 'Too many attempts.');
  }
}
