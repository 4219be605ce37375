import { type CredentialKind, credentialKind, hashCredential } from '../lib/credentials.js';
import { ApiError } from './problem.js';

/** Who is calling, once their credential has been checked. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'account'; accountId: string; keyId: string }
  | { kind: 'secret' | 'publishable'; accountId: string; projectId: string; keyId: string };

/** An active (not revoked) key as the key store returns it. */
export interface ActiveKey {
  id: string;
  kind: CredentialKind;
  accountId: string;
  projectId: string | null;
}

export type FindActiveKey = (hash: string) => Promise<ActiveKey | null>;

// The spec's security scheme names and the credential each one accepts.
const SCHEME_KIND: Record<string, CredentialKind> = {
  accountKey: 'account',
  secretKey: 'secret',
  publishableKey: 'publishable',
};

const CHALLENGE = { 'www-authenticate': 'Bearer realm="aerostack"' };

/**
 * Turns the `Authorization` header into a principal for an operation whose spec `security`
 * lists `schemes` (empty = public). Every call looks the key up, so a revocation is seen by the
 * next request on every node.
 */
export async function authenticate(
  authorization: string | undefined,
  schemes: readonly string[],
  findActiveKey: FindActiveKey,
): Promise<Principal> {
  if (schemes.length === 0) return { kind: 'anonymous' };
  if (!authorization) {
    throw new ApiError('auth/missing-credentials', 'Send `Authorization: Bearer <key>`.', {
      headers: CHALLENGE,
    });
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const credential = match?.[1];
  if (!credential || !credentialKind(credential)) {
    throw new ApiError('auth/invalid-credentials', 'The credential is not a well-formed Aerostack key.', {
      headers: CHALLENGE,
    });
  }
  const key = await findActiveKey(hashCredential(credential));
  if (!key) {
    throw new ApiError('auth/invalid-credentials', 'The key is unknown or has been revoked.', {
      headers: CHALLENGE,
    });
  }
  const accepted = schemes.map((s) => SCHEME_KIND[s]);
  if (!accepted.includes(key.kind)) {
    const names = accepted.map((k) => `${k} key`).join(' or ');
    throw new ApiError(
      'auth/wrong-credential-type',
      `This operation needs a ${names}; a ${key.kind} key was sent.`,
    );
  }
  if (key.kind === 'account') return { kind: 'account', accountId: key.accountId, keyId: key.id };
  if (!key.projectId) throw new Error(`project key ${key.id} has no project`);
  return { kind: key.kind, accountId: key.accountId, projectId: key.projectId, keyId: key.id };
}

/** The account behind an account-key principal (the spec guarantees the kind for the operation). */
export function accountIdOf(principal: Principal): string {
  if (principal.kind !== 'account') throw new Error(`expected an account principal, got ${principal.kind}`);
  return principal.accountId;
}

/** The project behind a project-key principal. */
export function projectIdOf(principal: Principal): string {
  if (principal.kind !== 'secret' && principal.kind !== 'publishable') {
    throw new Error(`expected a project principal, got ${principal.kind}`);
  }
  return principal.projectId;
}
