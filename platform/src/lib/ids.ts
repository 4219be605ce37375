import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters from the base62 alphabet, uniformly from the CSPRNG. */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
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
