import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PREFIX } from '../generated/behaviour';
import { IDEMPOTENCY_KEY_OPERATIONS } from '../generated/operations';

// `METHOD /path/{template}` of each operation that declares the header, as a pattern matching
// the method and path of a call.
const KEYED = IDEMPOTENCY_KEY_OPERATIONS.map((op) => new RegExp(`^${op.replace(/\{[^}]+\}/g, '[^/]+')}$`));

/** A fresh idempotency key: the prefix and 32 lower-case hex digits from a cryptographic source. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return IDEMPOTENCY_KEY_PREFIX + Array.from(bytes, (b) => (b | 256).toString(16).slice(1)).join('');
}

/**
 * The headers of a call to `path` (the platform's path, without the query): with a generated
 * `Idempotency-Key` when the operation declares that header and the caller gave none. The
 * transport asks once per call, so every retry sends the same key.
 */
export function withIdempotencyKey(method: string, path: string, headers: Headers): Headers {
  const call = `${method.toUpperCase()} ${path}`;
  if (headers.has(IDEMPOTENCY_HEADER) || !KEYED.some((pattern) => pattern.test(call))) return headers;
  const keyed = new Headers(headers);
  keyed.set(IDEMPOTENCY_HEADER, newIdempotencyKey());
  return keyed;
}
