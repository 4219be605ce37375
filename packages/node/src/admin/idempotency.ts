import { randomUUID } from 'node:crypto';
import { pickRequestOptions } from '@aerostack/core';
import type { CreateOptions } from './options';

/**
 * The request options of a creating call, with an `Idempotency-Key` header: the caller's, or a
 * fresh one. One key per logical call makes the transport's retries safe for POSTs.
 */
export function withIdempotencyKey(options: CreateOptions = {}) {
  const picked = pickRequestOptions(options);
  return {
    ...picked,
    headers: { ...picked.headers, 'Idempotency-Key': options.idempotencyKey ?? randomUUID() },
  };
}
