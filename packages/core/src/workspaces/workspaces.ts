import { withIdempotencyKey } from '../admin/idempotency';
import { type CreateOptions, type ListAllOptions, type ListOptions, listQuery } from '../admin/options';
import { pickRequestOptions, type RequestOptions } from '../client/options';
import type { components, operations } from '../generated/openapi';
import { paginate } from '../pagination/paginate';
import type { Http } from '../transport/http-types';
import type { Page } from '../types/models';

type Schemas = components['schemas'];
type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** An MCP workspace: many MCP servers behind one gateway URL. */
export type Workspace = Schemas['Workspace'];
export type WorkspaceCreate = Schemas['WorkspaceCreate'];
export type WorkspaceUpdate = Schemas['WorkspaceUpdate'];
export type WorkspaceRole = Schemas['WorkspaceRole'];
export type Member = Schemas['Member'];
export type MemberCreate = Schemas['MemberCreate'];
export type MemberUpdate = Schemas['MemberUpdate'];
export type WorkspaceToken = Schemas['WorkspaceToken'];
export type WorkspaceTokenCreate = Schemas['WorkspaceTokenCreate'];
export type WorkspaceTokenWithSecret = Schemas['WorkspaceTokenWithSecret'];
export type SecretInfo = Schemas['SecretInfo'];
export type AuditEvent = Schemas['AuditEvent'];
export type McpServer = Schemas['McpServer'];
export type McpServerCreate = Schemas['McpServerCreate'];
export type McpServerUpdate = Schemas['McpServerUpdate'];
export type McpServerTool = Schemas['McpServerTool'];
export type McpServerHealth = Schemas['McpServerHealth'];
export type GatewayCall = Schemas['GatewayCall'];
export type GatewayCallSummary = Schemas['GatewayCallSummary'];
export type GatewayUsage = Schemas['GatewayUsage'];
/** Filters of `analytics.calls`: a time range (ISO date-times), member, server slug, tool, status. */
export type GatewayCallFilter = Omit<Query<'workspaces.analytics.calls'>, 'limit' | 'cursor'>;
/** A time range (default the last 24 hours) and an optional `groupBy` (member, server or tool). */
export type GatewayCallSummaryQuery = Query<'workspaces.analytics.summary'>;

/**
 * A workspace's members (account key, or an admin token of the workspace).
 *
 * @example
 * const alice = await workspaces.members.create(workspaceId, { name: 'Alice', role: 'developer' });
 */
export interface MembersApi {
  list(workspaceId: string, options?: ListOptions): Promise<Page<Member>>;
  listAll(workspaceId: string, options?: ListAllOptions): AsyncGenerator<Member>;
  create(workspaceId: string, input: MemberCreate, options?: CreateOptions): Promise<Member>;
  /** Changes a member's name, email or role; a new role applies to its tokens on their next request. */
  update(
    workspaceId: string,
    memberId: string,
    input: MemberUpdate,
    options?: RequestOptions,
  ): Promise<Member>;
  /** Removes the member and revokes its tokens. */
  delete(workspaceId: string, memberId: string, options?: RequestOptions): Promise<void>;
}

/**
 * Members' gateway tokens (`mwt_…`).
 *
 * @example
 * const { secret, clientConfig } = await workspaces.tokens.create(workspaceId, { memberId });
 */
export interface TokensApi {
  list(workspaceId: string, options?: ListOptions): Promise<Page<WorkspaceToken>>;
  listAll(workspaceId: string, options?: ListAllOptions): AsyncGenerator<WorkspaceToken>;
  /** Issues a token; its secret and the ready-to-paste client configuration are returned only here. */
  create(
    workspaceId: string,
    input: WorkspaceTokenCreate,
    options?: CreateOptions,
  ): Promise<WorkspaceTokenWithSecret>;
  /** Revokes a token: refused on its next request, on every node. */
  revoke(workspaceId: string, tokenId: string, options?: RequestOptions): Promise<void>;
}

/**
 * Encrypted secrets the gateway injects into upstream calls; values are write-only.
 *
 * @example
 * await workspaces.secrets.set(workspaceId, 'GITHUB_TOKEN', process.env.GITHUB_TOKEN!);
 */
export interface SecretsApi {
  /** Names and dates only: a value is never returned. */
  list(workspaceId: string, options?: ListOptions): Promise<Page<SecretInfo>>;
  listAll(workspaceId: string, options?: ListAllOptions): AsyncGenerator<SecretInfo>;
  set(workspaceId: string, name: string, value: string, options?: RequestOptions): Promise<SecretInfo>;
  delete(workspaceId: string, name: string, options?: RequestOptions): Promise<void>;
}

/**
 * The MCP servers behind the workspace's gateway URL.
 *
 * @example
 * await workspaces.servers.create(workspaceId, { slug: 'github', name: 'GitHub', url, secretHeaders: ['GITHUB_TOKEN'] });
 */
export interface ServersApi {
  list(workspaceId: string, options?: ListOptions): Promise<Page<McpServer>>;
  listAll(workspaceId: string, options?: ListAllOptions): AsyncGenerator<McpServer>;
  create(workspaceId: string, input: McpServerCreate, options?: CreateOptions): Promise<McpServer>;
  get(workspaceId: string, serverId: string, options?: RequestOptions): Promise<McpServer>;
  /** Enables or disables the server or single tools (`disabledTools`), or changes its URL or secrets. */
  update(
    workspaceId: string,
    serverId: string,
    input: McpServerUpdate,
    options?: RequestOptions,
  ): Promise<McpServer>;
  delete(workspaceId: string, serverId: string, options?: RequestOptions): Promise<void>;
  /** Connects to the upstream now (initialize + tools/list) and returns its fresh health. */
  check(workspaceId: string, serverId: string, options?: RequestOptions): Promise<McpServerHealth>;
  /** The upstream's tools, with their gateway names and whether each is enabled. */
  tools(workspaceId: string, serverId: string, options?: RequestOptions): Promise<McpServerTool[]>;
}

/**
 * Per-call analytics of the gateway: who called which tool, how long it took, how it ended.
 *
 * @example
 * const { total, groups } = await workspaces.analytics.summary(workspaceId, { groupBy: 'tool' });
 */
export interface AnalyticsApi {
  /** One page of calls, newest first. */
  calls(workspaceId: string, filter?: GatewayCallFilter & ListOptions): Promise<Page<GatewayCall>>;
  callsAll(workspaceId: string, filter?: GatewayCallFilter & ListAllOptions): AsyncGenerator<GatewayCall>;
  /** Calls, errors, error rate and p50 / p95 latency over a range, in total and per group. */
  summary(workspaceId: string, query?: GatewayCallSummaryQuery & RequestOptions): Promise<GatewayCallSummary>;
  /** This month's calls against the workspace's monthly limit. */
  usage(workspaceId: string, options?: RequestOptions): Promise<GatewayUsage>;
}

/**
 * MCP workspaces. The account key manages all of them; a member's admin token (`mwt_…`) manages
 * its own workspace (members, tokens, secrets, servers, audit, analytics).
 *
 * @example
 * import { createHttp, createWorkspacesApi } from '@aerostack/core';
 *
 * const workspaces = createWorkspacesApi(createHttp({ url, credential: adminToken }));
 * const { groups } = await workspaces.analytics.summary(workspaceId, { groupBy: 'member' });
 */
export interface WorkspacesApi {
  /** One page of the account's workspaces, oldest first (account key). */
  list(options?: ListOptions): Promise<Page<Workspace>>;
  listAll(options?: ListAllOptions): AsyncGenerator<Workspace>;
  /** Creates a workspace (account key); its gateway URL is `gatewayUrl`. */
  create(input: WorkspaceCreate, options?: CreateOptions): Promise<Workspace>;
  get(workspaceId: string, options?: RequestOptions): Promise<Workspace>;
  /** Renames it; the account key may also change its slug and limits. */
  update(workspaceId: string, input: WorkspaceUpdate, options?: RequestOptions): Promise<Workspace>;
  /** Deletes the workspace and everything in it (account key). */
  delete(workspaceId: string, options?: RequestOptions): Promise<void>;
  readonly members: MembersApi;
  readonly tokens: TokensApi;
  readonly secrets: SecretsApi;
  readonly servers: ServersApi;
  /** The admin actions taken in the workspace, newest first. */
  readonly audit: {
    list(workspaceId: string, options?: ListOptions): Promise<Page<AuditEvent>>;
    listAll(workspaceId: string, options?: ListAllOptions): AsyncGenerator<AuditEvent>;
  };
  readonly analytics: AnalyticsApi;
}

/** `list` + `listAll` of a collection under one workspace. */
function collection<T>(http: Http, path: `/v1/workspaces/{workspaceId}/${string}`) {
  const get = http.GET as unknown as (path: string, init: object) => Promise<Page<T>>;
  const list = (workspaceId: string, options: ListOptions = {}) =>
    get(path, {
      params: { path: { workspaceId }, query: listQuery(options) },
      ...pickRequestOptions(options),
    });
  return {
    list,
    listAll: (workspaceId: string, options: ListAllOptions = {}) =>
      paginate((cursor) => list(workspaceId, { ...options, limit: options.pageSize, cursor })),
  };
}

/** The workspaces API over `http`, authenticated with an account key or a workspace admin token. */
export function createWorkspacesApi(http: Http): WorkspacesApi {
  const at = (workspaceId: string) => ({ path: { workspaceId } });
  const list: WorkspacesApi['list'] = (options = {}) =>
    http.GET('/v1/workspaces', { params: { query: listQuery(options) }, ...pickRequestOptions(options) });

  const calls: AnalyticsApi['calls'] = (workspaceId, filter = {}) => {
    const { limit, cursor, signal, timeoutMs, maxRetries, headers, ...rest } = filter;
    return http.GET('/v1/workspaces/{workspaceId}/analytics/calls', {
      params: { ...at(workspaceId), query: { ...rest, ...listQuery({ limit, cursor }) } },
      ...pickRequestOptions({ signal, timeoutMs, maxRetries, headers }),
    });
  };

  return {
    list,
    listAll: (options = {}) => paginate((cursor) => list({ ...options, limit: options.pageSize, cursor })),
    create: (input, options) => http.POST('/v1/workspaces', { body: input, ...withIdempotencyKey(options) }),
    get: (workspaceId, options) =>
      http.GET('/v1/workspaces/{workspaceId}', { params: at(workspaceId), ...pickRequestOptions(options) }),
    update: (workspaceId, input, options) =>
      http.PATCH('/v1/workspaces/{workspaceId}', {
        params: at(workspaceId),
        body: input,
        ...pickRequestOptions(options),
      }),
    delete: (workspaceId, options) =>
      http.DELETE('/v1/workspaces/{workspaceId}', {
        params: at(workspaceId),
        ...pickRequestOptions(options),
      }),

    members: {
      ...collection<Member>(http, '/v1/workspaces/{workspaceId}/members'),
      create: (workspaceId, input, options) =>
        http.POST('/v1/workspaces/{workspaceId}/members', {
          params: at(workspaceId),
          body: input,
          ...withIdempotencyKey(options),
        }),
      update: (workspaceId, memberId, input, options) =>
        http.PATCH('/v1/workspaces/{workspaceId}/members/{memberId}', {
          params: { path: { workspaceId, memberId } },
          body: input,
          ...pickRequestOptions(options),
        }),
      delete: (workspaceId, memberId, options) =>
        http.DELETE('/v1/workspaces/{workspaceId}/members/{memberId}', {
          params: { path: { workspaceId, memberId } },
          ...pickRequestOptions(options),
        }),
    },

    tokens: {
      ...collection<WorkspaceToken>(http, '/v1/workspaces/{workspaceId}/tokens'),
      create: (workspaceId, input, options) =>
        http.POST('/v1/workspaces/{workspaceId}/tokens', {
          params: at(workspaceId),
          body: input,
          ...withIdempotencyKey(options),
        }),
      revoke: (workspaceId, tokenId, options) =>
        http.DELETE('/v1/workspaces/{workspaceId}/tokens/{tokenId}', {
          params: { path: { workspaceId, tokenId } },
          ...pickRequestOptions(options),
        }),
    },

    secrets: {
      ...collection<SecretInfo>(http, '/v1/workspaces/{workspaceId}/secrets'),
      set: (workspaceId, secretName, value, options) =>
        http.PUT('/v1/workspaces/{workspaceId}/secrets/{secretName}', {
          params: { path: { workspaceId, secretName } },
          body: { value },
          ...pickRequestOptions(options),
        }),
      delete: (workspaceId, secretName, options) =>
        http.DELETE('/v1/workspaces/{workspaceId}/secrets/{secretName}', {
          params: { path: { workspaceId, secretName } },
          ...pickRequestOptions(options),
        }),
    },

    servers: {
      ...collection<McpServer>(http, '/v1/workspaces/{workspaceId}/servers'),
      create: (workspaceId, input, options) =>
        http.POST('/v1/workspaces/{workspaceId}/servers', {
          params: at(workspaceId),
          body: input,
          ...withIdempotencyKey(options),
        }),
      get: (workspaceId, serverId, options) =>
        http.GET('/v1/workspaces/{workspaceId}/servers/{serverId}', {
          params: { path: { workspaceId, serverId } },
          ...pickRequestOptions(options),
        }),
      update: (workspaceId, serverId, input, options) =>
        http.PATCH('/v1/workspaces/{workspaceId}/servers/{serverId}', {
          params: { path: { workspaceId, serverId } },
          body: input,
          ...pickRequestOptions(options),
        }),
      delete: (workspaceId, serverId, options) =>
        http.DELETE('/v1/workspaces/{workspaceId}/servers/{serverId}', {
          params: { path: { workspaceId, serverId } },
          ...pickRequestOptions(options),
        }),
      check: (workspaceId, serverId, options) =>
        http.POST('/v1/workspaces/{workspaceId}/servers/{serverId}/check', {
          params: { path: { workspaceId, serverId } },
          ...pickRequestOptions(options),
        }),
      tools: async (workspaceId, serverId, options) =>
        (
          await http.GET('/v1/workspaces/{workspaceId}/servers/{serverId}/tools', {
            params: { path: { workspaceId, serverId } },
            ...pickRequestOptions(options),
          })
        ).data,
    },

    audit: collection<AuditEvent>(http, '/v1/workspaces/{workspaceId}/audit'),

    analytics: {
      calls,
      callsAll: (workspaceId, { pageSize, ...filter } = {}) =>
        paginate((cursor) => calls(workspaceId, { ...filter, limit: pageSize, cursor })),
      summary: (workspaceId, query = {}) => {
        const { signal, timeoutMs, maxRetries, headers, ...rest } = query;
        return http.GET('/v1/workspaces/{workspaceId}/analytics/summary', {
          params: { ...at(workspaceId), query: rest },
          ...pickRequestOptions({ signal, timeoutMs, maxRetries, headers }),
        });
      },
      usage: (workspaceId, options) =>
        http.GET('/v1/workspaces/{workspaceId}/analytics/usage', {
          params: at(workspaceId),
          ...pickRequestOptions(options),
        }),
    },
  };
}
