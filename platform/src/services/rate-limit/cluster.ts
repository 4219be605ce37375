import type { WorkerLink } from '../../cluster/link.js';
import { normalizeRule } from './gcra.js';
import type { RateLimiter } from './types.js';

/**
 * Rate limits shared by the workers of one node without Redis: each take is answered by the
 * primary's memory limiter over IPC. Rejects with `ClusterError` when the primary does not
 * answer within `timeoutMs` (default 2000); the caller decides whether that fails open or closed.
 */
export function createClusterRateLimiter(options: { link: WorkerLink; timeoutMs?: number }): RateLimiter {
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    take: async (key, rule) =>
      options.link.request('rate-limit.take', { key, rule: normalizeRule(rule) }, { timeoutMs }),
    async forget(text) {
      await options.link.request('rate-limit.forget', { text }, { timeoutMs });
    },
    async close() {},
  };
}
