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

/** Base62 digits of the epoch milliseconds, zero-padded: string order is time order until the year 8886. */
const TIME_CHARS = 8;

function base62Time(ms: number): string {
  let out = '';
  for (let rest = ms; out.length < TIME_CHARS; rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62] + out;
  return out;
}

/**
 * An id like `newId`'s (the prefix and 20 base62 characters) whose first 8 characters are the
 * creation time, the other 12 random (~71 bits), for rows written at a high rate and never looked
 * up by a guessed id (the gateway's call records). A random id lands anywhere in its table's
 * primary-key index; a time-ordered one appends to it: inserting a 128-row batch into SQLite costs
 * 7 µs a row instead of 17 (decision 0043).
 */
export function newSortableId(prefix: Lowercase<string>, now = Date.now()): string {
  return `${prefix}_${base62Time(now)}${randomBase62(12)}`;
}
