// This is the public API of @aerostack/node: everything of @aerostack/core (with a createClient
// that reads the environment) plus the admin client. Names are listed on purpose; nothing else
// is public.

export type {
  Account,
  AerostackClient,
  AerostackErrorInit,
  AerostackErrorJSON,
  ApiKey,
  ApiKeyType,
  ApiKeyWithSecret,
  CacheApi,
  CacheCounter,
  CacheEntry,
  CacheIncrementOptions,
  CacheSetOptions,
  ClientErrorCode,
  ClientOptions,
  CredentialProvider,
  components,
  EnqueueOptions,
  ErrorCode,
  EventStream,
  EventStreamOptions,
  EventStreamState,
  FetchLike,
  FieldProblem,
  Health,
  Http,
  HttpData,
  HttpMethod,
  HttpMethodName,
  HttpOptions,
  HttpRequestInit,
  Job,
  JobLease,
  JobListOptions,
  JobStatus,
  JsonValue,
  LeasedJob,
  operations,
  Page,
  Problem,
  Project,
  ProjectWithKeys,
  PullOptions,
  paths,
  QueueApi,
  RequestBody,
  RequestOptions,
  StreamEvent,
  TransportCallOptions,
  TransportFetch,
  WatchJobOptions,
} from '@aerostack/core';
// Re-exported from @aerostack/core.
export {
  AerostackError,
  createHttp,
  ERROR_CODES,
  FINAL_JOB_STATUSES,
  isAerostackError,
  openEventStream,
  paginate,
  pickRequestOptions,
} from '@aerostack/core';
// Re-exported from @aerostack/core/admin: the options of admin calls and the workspaces API.
export type {
  AnalyticsApi,
  AuditEvent,
  CreateOptions,
  GatewayCall,
  GatewayCallFilter,
  GatewayCallSummary,
  GatewayCallSummaryQuery,
  GatewayUsage,
  ListAllOptions,
  ListOptions,
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
} from '@aerostack/core/admin';
export { createWorkspacesApi } from '@aerostack/core/admin';
export type { AccountApi } from './admin/account';
export type { AdminClient, AdminClientOptions } from './admin/create-admin-client';
export { createAdminClient } from './admin/create-admin-client';
export type { KeysApi } from './admin/keys';
export type { ProjectsApi } from './admin/projects';
export type { NodeClientOptions } from './create-client';
export { createClient } from './create-client';
export type { JobContext, JobHandler, StopOptions, Worker, WorkerOptions } from './queue-worker';
export { createWorker, FatalJobError } from './queue-worker';
