// The public API of @aerostack/core/admin: the admin APIs for an account key, a workspace admin
// token (`mwt_…`) or a project's secret key (end-user administration), and the list / idempotency
// options they share with @aerostack/node. A separate entry, so browser apps that only use
// `createClient` do not carry it (the root entry's size budget).

export { withIdempotencyKey } from './admin/idempotency';
export type { CreateOptions, ListAllOptions, ListOptions } from './admin/options';
export { listQuery } from './admin/options';
export type {
  AuthAdminApi,
  AuthAdminUserUpdate,
  AuthOutboxMessage,
  AuthProvider,
  AuthProviderInput,
  AuthSettings,
  AuthSigningKey,
} from './auth-admin/auth-admin';
export { createAuthAdminApi } from './auth-admin/auth-admin';
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
