import { ApiError } from '../problem.js';
import { ANONYMOUS, type Principal } from './principal.js';

/**
 * One row of the credential table: a bearer credential recognised by its prefix, checked by
 * `verify`, satisfying the spec security scheme `scheme`. Modules contribute rows (the keys module
 * adds `ak_`, `sk_`, `pk_`); adding a kind of credential is adding a row.
 */
export interface CredentialChecker {
  /** The security scheme name in the spec, e.g. `secretKey`. */
  scheme: string;
  /** The credential prefix, e.g. `sk_`. A JWT-style credential uses a prefix such as `eyJ`. */
  prefix: string;
  /** The whole credential's shape; anything else is rejected before any lookup. */
  shape: RegExp;
  /** The principal for a live credential, or null when unknown, expired or revoked. */
  verify(credential: string): Promise<Principal | null>;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="aerostack"' };
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export type Authenticate = (
  authorization: string | undefined,
  schemes: readonly string[],
) => Promise<Principal>;

/**
 * Authentication (which credential, whose) then one permission step (is that kind of credential
 * accepted by the operation's `security`). `schemes` empty = public.
 */
export function createAuthenticator(checkers: readonly CredentialChecker[]): Authenticate {
  const prefixes = new Map<string, CredentialChecker>();
  for (const checker of checkers) {
    if (prefixes.has(checker.prefix))
      throw new Error(`two credential checkers claim the prefix ${checker.prefix}`);
    prefixes.set(checker.prefix, checker);
  }
  const lengths = [...new Set(checkers.map((c) => c.prefix.length))];

  return async (authorization, schemes) => {
    if (schemes.length === 0) return ANONYMOUS;
    if (!authorization) {
      throw new ApiError('auth/missing-credentials', 'Send `Authorization: Bearer <credential>`.', {
        headers: CHALLENGE,
      });
    }
    const credential = BEARER.exec(authorization)?.[1];
    const checker = credential
      ? lengths.map((n) => prefixes.get(credential.slice(0, n))).find((c) => c !== undefined)
      : undefined;
    if (!credential || !checker?.shape.test(credential)) {
      throw new ApiError(
        'auth/invalid-credentials',
        'The credential is not a well-formed Aerostack credential.',
        {
          headers: CHALLENGE,
        },
      );
    }
    const principal = await checker.verify(credential);
    if (!principal) {
      throw new ApiError('auth/invalid-credentials', 'The credential is unknown, expired or revoked.', {
        headers: CHALLENGE,
      });
    }
    if (!schemes.includes(principal.scheme)) {
      throw new ApiError(
        'auth/wrong-credential-type',
        `This operation needs ${schemes.map((s) => `\`${s}\``).join(' or ')} credentials; \`${principal.scheme}\` credentials were sent.`,
      );
    }
    return principal;
  };
}
