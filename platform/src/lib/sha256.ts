import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string, encoding: 'hex') => string;
/** `crypto.hash` (Node ≥ 20.12): no Hash object and no OpenSSL context fetch per call. */
const oneShot = (crypto as { hash?: OneShot }).hash;

/**
 * SHA-256 of `text` (UTF-8) as lower-case hex. A credential check hashes on every request: the
 * one-shot form costs a fraction of `createHash(…).update(…).digest(…)`, which builds a Hash
 * object and fetches OpenSSL's digest each time.
 */
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');
