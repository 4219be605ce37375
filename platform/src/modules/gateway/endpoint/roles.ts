import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { WorkspaceRole } from '../../../http/auth/principal.js';

// Roles in the gateway (decision 0034): every role lists everything; calling is where they differ.

/** Read-only tokens call only tools that say they change nothing; the others call any enabled tool. */
export function mayCall(role: WorkspaceRole, tool: Tool): boolean {
  return role !== 'read-only' || tool.annotations?.readOnlyHint === true;
}
