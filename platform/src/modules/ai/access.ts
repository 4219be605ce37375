import { type Principal, projectIdOf, userIdOf } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { rateLimitHeaders } from '../../services/rate-limit/index.js';
import type { Services } from '../../services.js';
import type { UsageOwner } from './service.js';

/**
 * Who pays for an AI call, after the end-user limit (decision 0041): a secret key calls freely; a
 * signed-in end user (the spec lets no anonymous caller in) gets `AEROSTACK_AI_USER_RATE_LIMIT`
 * requests a minute, shared by every worker and node, else 429 `rate-limit/exceeded`.
 */
export async function admitAi(services: Services, principal: Principal): Promise<UsageOwner> {
  const projectId = projectIdOf(principal);
  const userId = userIdOf(principal);
  if (userId !== null) {
    const result = await services.rateLimiter.take(`ai:user:${projectId}:${userId}`, {
      limit: services.config.ai.userRequestsPerMinute,
      windowSeconds: 60,
    });
    if (!result.allowed) {
      throw new ApiError(
        'rate-limit/exceeded',
        `Too many AI requests; retry in ${result.retryAfterSeconds} s.`,
        {
          headers: rateLimitHeaders(result),
        },
      );
    }
    return { projectId, keyId: null, userId };
  }
  return { projectId, keyId: principal.credentialId, userId: null };
}
