import { tables } from '../../db/database.js';
import { idempotencyScope } from '../../http/idempotency/index.js';
import { deleteScopes, type IdempotencyTables } from '../../http/idempotency/store.js';
import type { Services } from '../../services.js';

/**
 * The project's own platform records: the idempotency records of requests made with its keys
 * (their sealed responses hold its data), and its rate-limit buckets (their keys hold its users'
 * addresses and emails). The project row itself goes last, in the service.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  const scopes = ['secretKey', 'publishableKey'].map((scheme) =>
    idempotencyScope({ scheme, subject: projectId }),
  );
  await deleteScopes(tables<IdempotencyTables>(services.database), scopes);
  await services.rateLimiter.forget(projectId);
}
