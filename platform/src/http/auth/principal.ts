/**
 * Who is calling, once their credential has been checked. One shape for every kind of credential
 * (keys now; end-user sessions and workspace tokens next), so permissions, idempotency and rate
 * limits need not know which kind it was.
 */
export interface Principal {
  /** The spec security scheme the credential satisfies (`accountKey`, `secretKey`, …), or `anonymous`. */
  scheme: string;
  /** A stable id of the caller that scopes idempotency keys (the account, the project, the user…). */
  subject: string;
  /** The credential's own id (e.g. `key_…`), for per-credential rate limits and audit; null when anonymous. */
  credentialId: string | null;
  accountId?: string;
  projectId?: string;
  /** The signed-in end user (`usr_…`) of an end-user session; absent for keys. */
  userId?: string;
  /** A workspace token's workspace (`wsp_…`), member (`mem_…`) and that member's role. */
  workspaceId?: string;
  memberId?: string;
  role?: WorkspaceRole;
}

/** What a workspace member may do: read-only < developer < admin (decision 0034). */
export type WorkspaceRole = 'admin' | 'developer' | 'read-only';

export const ANONYMOUS: Principal = { scheme: 'anonymous', subject: 'anonymous', credentialId: null };

/** The account behind the principal (the spec's security guarantees one for the operation). */
export function accountIdOf(principal: Principal): string {
  if (!principal.accountId) throw new Error(`expected an account, got a ${principal.scheme} principal`);
  return principal.accountId;
}

/** The project behind the principal. */
export function projectIdOf(principal: Principal): string {
  if (!principal.projectId) throw new Error(`expected a project, got a ${principal.scheme} principal`);
  return principal.projectId;
}

/** The signed-in end user behind the principal, or null (keys, anonymous). */
export function userIdOf(principal: Principal): string | null {
  return principal.userId ?? null;
}
