import { randomBase62 } from '../../lib/ids.js';
import { sha256Hex } from '../../lib/sha256.js';

/** The kinds of API key (ARCHITECTURE §4) and how each one looks. */
export type CredentialKind = 'account' | 'secret' | 'publishable';

export const KEY_KINDS: Record<CredentialKind, { prefix: string; scheme: string; shape: RegExp }> = {
  account: { prefix: 'ak_', scheme: 'accountKey', shape: /^ak_[0-9A-Za-z]{40}$/ },
  secret: { prefix: 'sk_', scheme: 'secretKey', shape: /^sk_[0-9A-Za-z]{40}$/ },
  publishable: { prefix: 'pk_', scheme: 'publishableKey', shape: /^pk_[0-9A-Za-z]{40}$/ },
};
const SECRET_LENGTH = 40; // base62 → ~238 bits

/** A new random credential of `kind`, e.g. `sk_…` (shown once, stored only as `hashCredential`). */
export function newCredential(kind: CredentialKind): string {
  return KEY_KINDS[kind].prefix + randomBase62(SECRET_LENGTH);
}

/**
 * SHA-256 of the credential. Credentials carry ~238 random bits, so a fast hash is enough (no
 * password-style stretching needed) and lets the platform look a key up by its hash directly.
 */
export function hashCredential(credential: string): string {
  return sha256Hex(credential);
}

/** `sk_…wXyZ`: enough to tell keys apart in a list, useless to an attacker. */
export function credentialHint(credential: string): string {
  return `${credential.slice(0, 3)}…${credential.slice(-4)}`;
}
