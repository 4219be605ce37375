import type { WorkspaceRole } from '../../../http/auth/principal.js';
import type { Services } from '../../../services.js';

// The records the endpoint works with, as the services that own them hand them out.

export type ServerRecord = Awaited<ReturnType<Services['gateway']['servers']['enabledFor']>>[number];
export type WorkspaceRecord = NonNullable<Awaited<ReturnType<Services['workspaces']['bySlug']>>>;

/**
 * Who a gateway request acts for in one workspace. At the top this is the token's member; inside a
 * composed workspace it is the same role with no member or token of that workspace.
 */
export interface Caller {
  workspace: WorkspaceRecord;
  role: WorkspaceRole;
  memberId: string | null;
  tokenId: string | null;
}
