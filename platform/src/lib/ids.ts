import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of 62 a byte can hold: bytes at or above it are dropped, so every character is equally likely. */
const ACCEPT_BELOW = 248;

// Random bytes drawn 4 KiB at a time: one call into the CSPRNG serves ~200 ids instead of one
// call per character (crypto.randomInt, 20 per id, was ~3 µs of every id on the gateway's hot path).
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `length` characters from the base62 alphabet, uniformly from the CSPRNG. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const byte = pool[offset++]!;
    if (byte < ACCEPT_BELOW) out += ALPHABET[byte % 62];
  }
  return out;
}

/**
 * The prefixes of the core's ids. A module declares its own as `const ID_PREFIX = '…'` in its folder
 * (`pnpm new-module` reads both to refuse a prefix already taken).
 */
export type IdPrefix = 'acc' | 'prj' | 'key' | 'req';

/** A prefixed random id such as `prj_7Hq2vW9xK3mN5pR8sT1u` (20 base62 chars, ~119 bits). */
export function newId(prefix: IdPrefix | Lowercase<string>): string {
  return `${prefix}_${randomBase62(20)}`;
}
