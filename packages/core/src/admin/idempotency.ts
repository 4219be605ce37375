import { pickRequestOptions } from '../client/options';
import type { CreateOptions } from './options';

/**
 * The request options of a creating call, with the caller's `Idempotency-Key` when given. When
 * not, the core transport generates one (`idk_…`) for every operation whose spec declares the
 * header, the same on each retry, so a retried POST never creates twice.
 */
export function withIdempotencyKey(options: CreateOptions = {}) {
  const picked = pickRequestOptions(options);
  if (options.idempotencyKey === undefined) return picked;
  return { ...picked, headers: { ...picked.headers, 'Idempotency-Key': options.idempotencyKey } };
}
