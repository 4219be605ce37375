import { randomBytes } from 'node:crypto';

const ACCEPTED = /^[\w.:-]{1,128}$/;

// `req_` + 32 hex digits: 16 random per process, then a counter. Unique across processes and
// nodes (64 random bits) and within one (the counter), without drawing entropy per request. Ids
// name requests in logs and problem details; they are not secrets, so being sequential is fine.
const PREFIX = `req_${randomBytes(8).toString('hex')}`;
let counter = 0;

/** The caller's `X-Request-Id` when it is sane, else a new id unique to this request. */
export function requestIdFrom(header: string | undefined): string {
  if (header && ACCEPTED.test(header)) return header;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return PREFIX + counter.toString(16).padStart(16, '0');
}
