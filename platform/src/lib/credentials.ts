import { createHash } from 'node:crypto';
import { randomBase62 } from './ids.js';

/** What a bearer credential is, by its prefix (ARCHITECTURE §4). */
export type CredentialKind = 'account' | 'secret' | 'publishable';

const PREFIX: Record<CredentialKind, string> = { account: 'ak_', secret: 'sk_', publishable: 'pk_' };
const SECRET_LENGTH = 40; // base62 → ~238 bits
const SHAPE = /^(ak|sk|pk)_[0-9A-Za-z]{40}$/;

/** A new random credential of `kind`, e.g. `sk_…` (shown once, stored only as `hashCredential`). */
export function newCredential(kind: CredentialKind): string {
  return PREFIX[kind] + randomBase62(SECRET_LENGTH);
}

/** The kind of a well-formed credential, or null for anything else. */
export function credentialKind(credential: string): CredentialKind | null {
  if (!SHAPE.test(credential)) return null;
  const prefix = credential.slice(0, 3);
  return (Object.keys(PREFIX) as CredentialKind[]).find((k) => PREFIX[k] === prefix) ?? null;
}

/**
 * SHA-256 of the credential. Credentials carry ~238 random bits, so a fast hash is enough (no
 * password-style stretching needed) and lets the platform look a key up by its hash directly.
 */
export function hashCredential(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

/** `sk_…wXyZ`: enough to tell keys apart in a list, useless to an attacker. */
export function credentialHint(credential: string): string {
  return `${credential.slice(0, 3)}…${credential.slice(-4)}`;
}
