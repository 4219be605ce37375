import type { components } from '@aerostack/spec/types';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { advisoryLock } from '../../db/advisory-lock.js';
import { type Db, tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import { type SsrfGuard, UrlRefusedError } from '../../lib/ssrf.js';
import type { Services } from '../../services.js';
import type { WorkspaceRecord } from '../workspaces/service.js';
import { gatewayName } from './endpoint/names.js';
import * as store from './store.js';
import { type HealthSample, UpstreamError, type Upstreams } from './upstream.js';

type McpServer = components['schemas']['McpServer'];
type McpServerCreate = components['schemas']['McpServerCreate'];
type McpServerUpdate = components['schemas']['McpServerUpdate'];
type McpServerHealth = components['schemas']['McpServerHealth'];
type McpServerTool = components['schemas']['McpServerTool'];

/** A server as the gateway endpoint and the upstream pool use it. */
export interface ServerRecord {
  id: string;
  workspaceId: string;
  slug: string;
  name: string;
  kind: 'proxy' | 'workspace';
  url: string | null;
  transport: 'streamable-http' | 'sse';
  targetWorkspaceId: string | null;
  secretHeaders: string[];
  bearerSecret: string | null;
  enabled: boolean;
  disabledTools: string[];
  timeoutMs: number | null;
}

/** The bus channel a server change travels on, `{ workspaceId }`: every worker reloads that workspace's servers. */
export const SERVERS_CHANGED = 'gateway.servers-changed';
const WORKSPACES_CHANGED = 'workspaces.changed';
const SECRETS_CHANGED = 'workspaces.secrets-changed';
/** Bound on how long another node may serve an older server list if the bus message is lost. */
const CACHE_TTL_MS = 30_000;
/** Health measured on every use is written at most this often per server (always on a check). */
export const HEALTH_PERSIST_MS = 5_000;
const ID_PREFIX = 'srv';
/** The longest chain of composed workspaces followed when looking for a loop. */
const MAX_COMPOSITION_DEPTH = 32;

export function toRecord(row: store.ServerRow): ServerRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    slug: row.slug,
    name: row.name,
    kind: row.kind,
    url: row.url,
    transport: row.transport,
    targetWorkspaceId: row.target_workspace_id,
    secretHeaders: JSON.parse(row.secret_headers) as string[],
    bearerSecret: row.bearer_secret,
    enabled: row.enabled === 1,
    disabledTools: JSON.parse(row.disabled_tools) as string[],
    timeoutMs: row.timeout_ms,
  };
}

function healthOf(row: store.HealthColumns): McpServerHealth {
  return {
    status: row.health_status,
    checkedAt: row.health_checked_at,
    latencyMs: row.health_latency_ms,
    error: row.health_error,
  };
}

function healthColumns(sample: HealthSample, at: number): store.HealthColumns {
  return {
    health_status: sample.ok ? 'ok' : 'error',
    health_checked_at: new Date(at).toISOString(),
    health_latency_ms: sample.latencyMs,
    health_error: sample.error,
  };
}

/** A slug from a server name: `GitHub Enterprise` → `github-enterprise`. */
export function slugFrom(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 32)
    .replace(/^-+|-+$/g, '');
}

const notFound = (serverId: string) =>
  new ApiError('gateway/not-found', `The workspace has no server ${serverId}.`);
const slugTaken = (slug: string) =>
  new ApiError('gateway/slug-taken', `Another server of the workspace has the slug "${slug}".`);
const invalid = (detail: string) => new ApiError('gateway/invalid-server', detail);

/** A composed workspace has no URL, transport or secrets of its own. */
function refuseProxyFields(body: McpServerCreate | McpServerUpdate): void {
  const extra = (['url', 'transport', 'secretHeaders', 'bearerSecret'] as const).filter(
    (f) => body[f] !== undefined,
  );
  if (extra.length > 0)
    throw invalid(`A composed workspace takes no ${extra.map((f) => `\`${f}\``).join(', ')}.`);
}

/** The API error for a failure of the upstream pool (an upstream's own JSON-RPC error included). */
export function apiErrorOf(error: unknown): ApiError {
  if (error instanceof UpstreamError) return new ApiError(error.code, error.message);
  if (error instanceof McpError) return new ApiError('gateway/upstream-error', error.message);
  throw error;
}

/**
 * The servers behind workspaces' gateways: their configuration (checked by the SSRF guard and for
 * composition loops), the per-worker list the endpoint reads on every request, and their health.
 */
export function createServers(services: Services, deps: { guard: SsrfGuard; upstreams: () => Upstreams }) {
  const db = tables<store.GatewayTables>(services.database);
  const cache = createLookupCache<ServerRecord[]>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  /** Health measured on this worker, newer than what the table may hold. */
  const live = new Map<
    string,
    {
      /** The latest sample's columns, built when read or written (not on every call). */
      health: () => store.HealthColumns;
      persistedAt: number;
      timer?: NodeJS.Timeout | undefined;
      writing: Promise<void>;
    }
  >();

  function toMcpServer(row: store.ServerRow): McpServer {
    const record = toRecord(row);
    const health = live.get(row.id)?.health();
    return {
      id: record.id,
      slug: record.slug,
      name: record.name,
      kind: record.kind,
      url: record.url,
      transport: record.transport,
      workspaceId: record.targetWorkspaceId,
      secretHeaders: record.secretHeaders,
      bearerSecret: record.bearerSecret,
      enabled: record.enabled,
      disabledTools: record.disabledTools,
      timeoutMs: record.timeoutMs,
      health: healthOf(
        health && (health.health_checked_at ?? '') >= (row.health_checked_at ?? '') ? health : row,
      ),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async function find(workspaceId: string, serverId: string): Promise<store.ServerRow> {
    const row = await store.findServer(db, workspaceId, serverId);
    if (!row) throw notFound(serverId);
    return row;
  }

  async function checkUrl(url: string, workspace: WorkspaceRecord): Promise<void> {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '')
      throw invalid(
        'The URL carries credentials; put them in a workspace secret (`secretHeaders`, `bearerSecret`).',
      );
    // A hosted MCP server is called in this process, never over the network (decision 0051): what
    // lets it in is that the workspace's account owns its project, not the guard.
    const hosted = services.hosting?.catalog.targetOf(url);
    if (hosted) {
      const owns = await services.projects.owned(workspace.accountId, hosted.projectId).then(
        () => true,
        () => false,
      );
      if (!owns)
        throw new ApiError(
          'gateway/url-refused',
          'The URL names hosted code of a project of another account.',
        );
      return;
    }
    try {
      await deps.guard.checkUrl(parsed);
    } catch (error) {
      if (error instanceof UrlRefusedError) throw new ApiError('gateway/url-refused', error.message);
      throw error;
    }
  }

  /** Does `from` compose `to`, directly or through other workspaces? */
  async function composes(tx: Db, from: string, to: string): Promise<boolean> {
    const seen = new Set<string>([from]);
    let frontier = [from];
    for (let depth = 0; frontier.length > 0 && depth < MAX_COMPOSITION_DEPTH; depth++) {
      const next = await store.composedBy(tables<store.GatewayTables>(tx), frontier);
      if (next.includes(to)) return true;
      frontier = next.filter((id) => !seen.has(id));
      for (const id of frontier) seen.add(id);
    }
    return false;
  }

  async function changed(workspaceId: string): Promise<void> {
    cache.invalidate([workspaceId]);
    await services.bus.publish(SERVERS_CHANGED, { workspaceId });
  }

  async function enabledFor(workspaceId: string): Promise<ServerRecord[]> {
    return (await cache.load(workspaceId, async () =>
      (await store.enabledServers(db, workspaceId)).map(toRecord),
    ))!;
  }

  /**
   * Writes the server's latest health measured here. Writes of one server go one after the other,
   * so the table ends with the latest sample whatever the database's timing.
   */
  function persistHealth(serverId: string): Promise<void> {
    const entry = live.get(serverId);
    if (!entry) return Promise.resolve();
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.persistedAt = Date.now();
    const health = entry.health();
    entry.writing = entry.writing.then(() =>
      store
        .saveHealth(db, serverId, health)
        .catch((error: Error) =>
          services.logger.warn('gateway: health not saved', { serverId, error: error.message }),
        ),
    );
    return entry.writing;
  }

  /**
   * Health measured by the pool: kept here at once, written at most every few seconds per server
   * (a burst of calls writes twice: now, and its last sample when the interval ends).
   */
  function recordHealth(server: { id: string }, sample: HealthSample): void {
    const at = Date.now();
    let columns: store.HealthColumns | undefined;
    const health = () => (columns ??= healthColumns(sample, at));
    const entry = live.get(server.id);
    if (!entry) {
      live.set(server.id, { health, persistedAt: 0, writing: Promise.resolve() });
      void persistHealth(server.id);
      return;
    }
    entry.health = health;
    const wait = entry.persistedAt + HEALTH_PERSIST_MS - Date.now();
    if (wait <= 0) void persistHealth(server.id);
    else entry.timer ??= setTimeout(() => void persistHealth(server.id), wait).unref();
  }

  const unsubscribe = [
    services.bus.subscribe(SERVERS_CHANGED, async (message) => {
      const { workspaceId } = message as { workspaceId: string };
      cache.invalidate([workspaceId]);
      deps.upstreams().retain(workspaceId, await enabledFor(workspaceId));
    }),
    services.bus.subscribe(WORKSPACES_CHANGED, (message) => {
      const { workspaceId, deleted } = message as { workspaceId: string; deleted: boolean };
      cache.invalidate([workspaceId]);
      if (deleted) deps.upstreams().forget(workspaceId);
    }),
    // New secret values: the connections carrying the old ones are rebuilt on their next use.
    services.bus.subscribe(SECRETS_CHANGED, (message) => {
      deps.upstreams().forget((message as { workspaceId: string }).workspaceId);
    }),
  ];

  /** Validates the kind-specific fields of a new server; answers the composed workspace, if any. */
  async function validateCreate(
    principal: Principal,
    workspace: WorkspaceRecord,
    body: McpServerCreate,
  ): Promise<WorkspaceRecord | null> {
    if ((body.kind ?? 'proxy') === 'proxy') {
      if (body.url === undefined) throw invalid('A proxied server needs a `url`.');
      if (body.workspaceId !== undefined) throw invalid('A proxied server takes no `workspaceId`.');
      await checkUrl(body.url, workspace);
      return null;
    }
    refuseProxyFields(body);
    if (body.workspaceId === undefined) throw invalid('A composed workspace needs a `workspaceId`.');
    // Composing exposes the other workspace's tools: the caller must manage it too.
    return services.workspaces.authorizeAdmin(principal, body.workspaceId);
  }

  return {
    enabledFor,
    recordHealth,
    toMcpServer,

    list: (workspaceId: string, position: Position | null, limit: number) =>
      store.listServers(db, workspaceId, position, limit),

    get: async (workspaceId: string, serverId: string) => toMcpServer(await find(workspaceId, serverId)),

    async create(
      principal: Principal,
      workspace: WorkspaceRecord,
      body: McpServerCreate,
    ): Promise<McpServer> {
      const target = await validateCreate(principal, workspace, body);
      const slug = body.slug ?? slugFrom(body.name);
      if (slug === '') throw invalid('No slug can be derived from the name; send a `slug`.');
      const now = isoNow();
      const row: store.ServerRow = {
        id: newId(ID_PREFIX),
        workspace_id: workspace.id,
        slug,
        name: body.name,
        kind: target ? 'workspace' : 'proxy',
        url: target ? null : (body.url ?? null),
        transport: body.transport ?? 'streamable-http',
        target_workspace_id: target?.id ?? null,
        secret_headers: JSON.stringify(body.secretHeaders ?? []),
        bearer_secret: body.bearerSecret ?? null,
        enabled: body.enabled === false ? 0 : 1,
        disabled_tools: JSON.stringify(body.disabledTools ?? []),
        timeout_ms: body.timeoutMs ?? null,
        health_status: 'unknown',
        health_checked_at: null,
        health_latency_ms: null,
        health_error: null,
        created_at: now,
        updated_at: now,
      };
      const { maxServers } = services.workspaces.limitsOf(workspace);
      await services.database.db.transaction().execute(async (tx) => {
        // The checks-then-write of one workspace (its server count) and of all compositions (a
        // loop spans workspaces) take turns, so two concurrent creates cannot both pass the checks.
        const keys = [`gateway:${workspace.id}`, ...(target ? ['gateway:composition'] : [])];
        await advisoryLock(tx, services.database.dialect, ...keys);
        const t = tables<store.GatewayTables>(tx);
        if ((await store.countServers(t, workspace.id)) >= maxServers)
          throw new ApiError(
            'workspaces/limit-reached',
            `The workspace has ${maxServers} servers, as many as its limit (maxServers) allows.`,
          );
        if (target && (target.id === workspace.id || (await composes(tx, target.id, workspace.id))))
          throw new ApiError(
            'gateway/composition-loop',
            `Workspace ${target.slug} includes ${workspace.slug} already; composing it would make a loop.`,
          );
        try {
          await store.insertServer(t, row);
        } catch (error) {
          if (store.isUniqueViolation(error)) throw slugTaken(slug);
          throw error;
        }
        await services.workspaces.audit(
          {
            workspaceId: workspace.id,
            actor: principal,
            action: 'server.added',
            target: row.id,
            details: { slug, kind: row.kind },
          },
          tx,
        );
      });
      await changed(workspace.id);
      return toMcpServer(row);
    },

    async update(
      principal: Principal,
      workspace: WorkspaceRecord,
      serverId: string,
      body: McpServerUpdate,
    ): Promise<McpServer> {
      const row = await find(workspace.id, serverId);
      if (row.kind === 'workspace') refuseProxyFields(body);
      if (body.url !== undefined) await checkUrl(body.url, workspace);
      const changes: store.ServerChanges = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.slug !== undefined ? { slug: body.slug } : {}),
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.transport !== undefined ? { transport: body.transport } : {}),
        ...(body.secretHeaders !== undefined ? { secret_headers: JSON.stringify(body.secretHeaders) } : {}),
        ...(body.bearerSecret !== undefined ? { bearer_secret: body.bearerSecret } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled ? 1 : 0 } : {}),
        ...(body.disabledTools !== undefined ? { disabled_tools: JSON.stringify(body.disabledTools) } : {}),
        ...(body.timeoutMs !== undefined ? { timeout_ms: body.timeoutMs } : {}),
        updated_at: isoNow(),
      };
      const before = new Set(JSON.parse(row.disabled_tools) as string[]);
      const after = new Set(body.disabledTools ?? before);
      const fields = Object.keys(body).filter((f) => f !== 'disabledTools');
      await services.database.db.transaction().execute(async (tx) => {
        try {
          await store.updateServer(tables<store.GatewayTables>(tx), row.id, changes);
        } catch (error) {
          if (store.isUniqueViolation(error)) throw slugTaken(body.slug as string);
          throw error;
        }
        const audit = (
          action: 'server.updated' | 'tool.enabled' | 'tool.disabled',
          details: Record<string, unknown>,
        ) =>
          services.workspaces.audit(
            { workspaceId: workspace.id, actor: principal, action, target: row.id, details },
            tx,
          );
        // Field names only: values may be URLs with tokens in their query.
        if (fields.length > 0) await audit('server.updated', { fields });
        for (const tool of after) if (!before.has(tool)) await audit('tool.disabled', { tool });
        for (const tool of before) if (!after.has(tool)) await audit('tool.enabled', { tool });
      });
      await changed(workspace.id);
      return toMcpServer({ ...row, ...changes });
    },

    async remove(principal: Principal, workspace: WorkspaceRecord, serverId: string): Promise<void> {
      await services.database.db.transaction().execute(async (tx) => {
        if (!(await store.deleteServer(tables<store.GatewayTables>(tx), workspace.id, serverId)))
          throw notFound(serverId);
        await services.workspaces.audit(
          { workspaceId: workspace.id, actor: principal, action: 'server.removed', target: serverId },
          tx,
        );
      });
      clearTimeout(live.get(serverId)?.timer);
      live.delete(serverId);
      await changed(workspace.id);
    },

    /** Connects now (a composed workspace: checks it still exists and forms no loop) and stores the health. */
    async check(workspaceId: string, serverId: string): Promise<McpServerHealth> {
      const server = toRecord(await find(workspaceId, serverId));
      let sample: HealthSample;
      if (server.kind === 'proxy') {
        sample = await deps.upstreams().check(server);
      } else {
        const started = performance.now();
        const target = await services.workspaces.byId(server.targetWorkspaceId as string);
        const loop = target !== null && (await composes(services.database.db, target.id, workspaceId));
        sample = {
          ok: target !== null && !loop,
          latencyMs: Math.round(performance.now() - started),
          error:
            target === null
              ? 'The composed workspace no longer exists.'
              : loop
                ? 'The composition forms a loop.'
                : null,
        };
      }
      const health = healthColumns(sample, Date.now());
      const entry = live.get(serverId);
      if (entry) entry.health = () => health;
      else live.set(serverId, { health: () => health, persistedAt: 0, writing: Promise.resolve() });
      await persistHealth(serverId);
      return healthOf(health);
    },

    /** The upstream's tools as the gateway shows them. */
    async tools(workspaceId: string, serverId: string, signal: AbortSignal): Promise<McpServerTool[]> {
      const server = toRecord(await find(workspaceId, serverId));
      if (server.kind !== 'proxy')
        throw new ApiError(
          'gateway/not-a-proxy',
          'List the tools of a composed workspace through its own gateway URL.',
        );
      let tools: Awaited<ReturnType<Upstreams['listTools']>>;
      try {
        tools = await deps.upstreams().listTools(server, signal);
      } catch (error) {
        throw apiErrorOf(error);
      }
      const disabled = new Set(server.disabledTools);
      return tools.map((tool) => ({
        name: tool.name,
        gatewayName: gatewayName(server.slug, tool.name),
        enabled: !disabled.has(tool.name),
        description: tool.description ?? null,
        readOnly: tool.annotations?.readOnlyHint === true,
      }));
    },

    /** Writes the health samples still waiting for their interval, and waits for writes under way. */
    async close() {
      for (const u of unsubscribe) u();
      await Promise.all([...live].map(([id, entry]) => (entry.timer ? persistHealth(id) : entry.writing)));
    },
  };
}

export type Servers = ReturnType<typeof createServers>;
