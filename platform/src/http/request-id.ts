import { randomBase62 } from '../lib/ids.js';

const ACCEPTED = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is sane, else a new `req_…` id. */
export function requestIdFrom(header: string | undefined): string {
  return header && ACCEPTED.test(header) ? header : `req_${randomBase62(24)}`;
}
