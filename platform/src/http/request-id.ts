import { randomUUID } from 'node:crypto';

const ACCEPTED = /^[\w.:-]{1,128}$/;

/**
 * The caller's `X-Request-Id` when it is sane, else a new `req_` + 32 hex digits (122 random bits
 * from randomUUID, which draws from a cached entropy pool: one per request must be cheap).
 */
export function requestIdFrom(header: string | undefined): string {
  return header && ACCEPTED.test(header) ? header : `req_${randomUUID().replaceAll('-', '')}`;
}
