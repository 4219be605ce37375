// The public API of @aerostack/core/admin: the admin APIs for an account key or a workspace admin
// token (`mwt_…`), and the list / idempotency options they share with @aerostack/node. A separate
// entry, so browser apps that only use `createClient` do not carry it (the root entry's size budget).

export { withIdempotencyKey } from './admin/idempotency';
export type { CreateOptions, ListAllOptions, ListOptions } from './admin/options';
export { listQuery } from './admin/options';
export type {
  AnalyticsApi,
  AuditEvent,
  GatewayCall,
  GatewayCallFilter,
  GatewayCallSummary,
  GatewayCallSummaryQuery,
  GatewayUsage,
  McpServer,
  McpServerCreate,
  McpServerHealth,
  McpServerTool,
  McpServerUpdate,
  Member,
  MemberCreate,
  MembersApi,
  MemberUpdate,
  SecretInfo,
  SecretsApi,
  ServersApi,
  TokensApi,
  Workspace,
  WorkspaceCreate,
  WorkspaceRole,
  WorkspacesApi,
  WorkspaceToken,
  WorkspaceTokenCreate,
  WorkspaceTokenWithSecret,
  WorkspaceUpdate,
} from './workspaces/workspaces';
export { createWorkspacesApi } from './workspaces/workspaces';
