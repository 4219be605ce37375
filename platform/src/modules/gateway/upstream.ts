import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequest,
  type CallToolResult,
  CallToolResultSchema,
  ErrorCode,
  type GetPromptRequest,
  type GetPromptResult,
  GetPromptResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  McpError,
  type Progress,
  type Prompt,
  type ReadResourceRequest,
  type ReadResourceResult,
  ReadResourceResultSchema,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { type SsrfGuard, UrlRefusedError } from '../../lib/ssrf.js';
import type { Services } from '../../services.js';
import {
  type Connection,
  ConnectionBrokenError,
  fingerprintOf,
  type ListKind,
  openConnection,
} from './connection.js';
import { type GuardedFetch, type GuardedPost, guardedFetch } from './fetch.js';
import type { ServerRecord } from './servers.js';

/** The bus channel an upstream's list change travels on: every worker drops its cached list. */
export const LIST_CHANGED = 'gateway.list-changed';
/** Cached upstream lists expire after this even without a list_changed notification. */
export const LIST_TTL_MS = 10 * 60_000;
/** List pages followed per list: an upstream paging forever must not hold the gateway. */
const MAX_PAGES = 50;
/** Longest upstream error text kept (in health and errors). */
const MAX_ERROR_CHARS = 300;

export type UpstreamErrorCode =
  | 'gateway/upstream-timeout'
  | 'gateway/upstream-unavailable'
  | 'gateway/upstream-error'
  | 'gateway/url-refused';

/** A failure reaching or talking to an upstream. Its message never contains a secret value. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  signal: AbortSignal;
  /**
   * The controller behind `signal` when this use may abort it: the deadline then aborts it (with a
   * TimeoutError) instead of a controller of the use's own that follows `signal` — one listener
   * less on every call.
   */
  controller?: AbortController;
  timeoutMs: number;
  onprogress?: (progress: Progress) => void;
}

/** How one use of an upstream went, for its health. */
export interface HealthSample {
  ok: boolean;
  latencyMs: number;
  error: string | null;
}

export type ListChangedListener = (server: ServerRecord, kind: ListKind) => void;

/** The upstream pool: one SDK client per proxied server per worker, its lists cached. */
export interface Upstreams {
  listTools(server: ServerRecord, signal: AbortSignal): Promise<Tool[]>;
  listResources(server: ServerRecord, signal: AbortSignal): Promise<Resource[]>;
  listResourceTemplates(server: ServerRecord, signal: AbortSignal): Promise<ResourceTemplate[]>;
  listPrompts(server: ServerRecord, signal: AbortSignal): Promise<Prompt[]>;
  callTool(server: ServerRecord, params: CallToolRequest['params'], o: CallOptions): Promise<CallToolResult>;
  readResource(
    server: ServerRecord,
    params: ReadResourceRequest['params'],
    o: CallOptions,
  ): Promise<ReadResourceResult>;
  getPrompt(
    server: ServerRecord,
    params: GetPromptRequest['params'],
    o: CallOptions,
  ): Promise<GetPromptResult>;
  onListChanged(listener: ListChangedListener): () => void;
  /** The server's cached list when it is loaded and current, else undefined (then ask listTools…). */
  peekList<N extends ListName>(server: ServerRecord, name: N): ListOf[N][] | undefined;
  /** Connects anew (initialize + tools/list) and answers how it went. */
  check(server: ServerRecord): Promise<HealthSample>;
  /** Drops connections and lists of the workspace's servers not in `current` or configured differently. */
  retain(workspaceId: string, current: readonly ServerRecord[]): void;
  /** Drops every connection and list of the workspace (its secrets changed, it was deleted). */
  forget(workspaceId: string): void;
  /**
   * Drops the cached lists of the servers whose URL `stale` accepts (a hosted server redeployed:
   * its tools may differ) and tells the list listeners their tools changed.
   */
  dropListsWhere(stale: (url: string) => boolean): void;
  close(): Promise<void>;
}

export interface UpstreamsOptions {
  services: Pick<Services, 'bus' | 'config' | 'logger' | 'workspaces'>;
  guard: SsrfGuard;
  /** The record of a server another worker reported a list change for (through the servers cache). */
  recordOf(workspaceId: string, serverId: string): Promise<ServerRecord | null>;
  onHealth(server: ServerRecord, sample: HealthSample): void;
  /**
   * The in-process fetch of a hosted MCP server the URL names (decision 0051), or null: the
   * request goes to the project's worker in the runtime, never through the network or the guard.
   */
  hosted?(url: string): GuardedFetch | null;
}

export type ListOf = {
  tools: Tool;
  resources: Resource;
  resourceTemplates: ResourceTemplate;
  prompts: Prompt;
};
export type ListName = keyof ListOf;

// Each result schema parses `{ [name]: items, nextCursor? }`; listAll reads them alike.
const LISTS: Record<ListName, { method: string; schema: typeof ListToolsResultSchema }> = {
  tools: { method: 'tools/list', schema: ListToolsResultSchema },
  resources: { method: 'resources/list', schema: ListResourcesResultSchema as never },
  resourceTemplates: {
    method: 'resources/templates/list',
    schema: ListResourceTemplatesResultSchema as never,
  },
  prompts: { method: 'prompts/list', schema: ListPromptsResultSchema as never },
};
const CAPABILITY: Record<ListName, 'tools' | 'resources' | 'prompts'> = {
  tools: 'tools',
  resources: 'resources',
  resourceTemplates: 'resources',
  prompts: 'prompts',
};

/** The list names a list_changed notification of `kind` makes stale. */
const STALE: Record<ListKind, ListName[]> = {
  tools: ['tools'],
  resources: ['resources', 'resourceTemplates'],
  prompts: ['prompts'],
};

interface Pooled {
  workspaceId: string;
  fingerprint: string;
  connection: Promise<Connection>;
  /** Secret values, so no error text repeats one. */
  secrets: string[];
  inflight: number;
  retired: boolean;
  /** The connection once open (a call then needs no race against its signal to get it). */
  ready?: Connection;
}

interface CachedList {
  workspaceId: string;
  fingerprint: string;
  url: string | null;
  items: Promise<unknown[]>;
  /** The items once loaded, for callers that need no promise (peekList). */
  value?: unknown[];
  expires: number;
}

/** Rejects when `signal` aborts, with its reason; otherwise settles as `promise` does. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('[secret]');
  return out.length > MAX_ERROR_CHARS ? `${out.slice(0, MAX_ERROR_CHARS)}…` : out;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}

/** The upstream forgot our session (it restarted): a new session will do. */
function isSessionGone(error: unknown): boolean {
  return (
    (error instanceof StreamableHTTPError && error.code === 404) ||
    (error instanceof Error && /^Error POSTing to endpoint \(HTTP 404\)/.test(error.message))
  );
}

/** The connection is gone (refused, reset, closed): a new one may do. Not when the guard refused it. */
function isConnectionGone(error: unknown): boolean {
  const chain = causes(error);
  if (chain.some((e) => e instanceof UrlRefusedError)) return false;
  return chain.some(
    (e) =>
      e instanceof ConnectionBrokenError ||
      (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) ||
      (e instanceof TypeError && e.message === 'fetch failed') ||
      ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(
        (e as { code?: string }).code ?? '',
      ),
  );
}

/**
 * What the caller sees of a failure: an UpstreamError with a stable code, or the upstream's own
 * JSON-RPC error (an McpError) unchanged but for any secret value in its text.
 */
function toUpstreamError(error: unknown, secrets: readonly string[]): UpstreamError | McpError {
  const refused = causes(error).find((e) => e instanceof UrlRefusedError);
  if (refused) return new UpstreamError('gateway/url-refused', (refused as Error).message);
  if (error instanceof UpstreamError) return error;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout)
    return new UpstreamError('gateway/upstream-timeout', 'The upstream did not answer in time.');
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
    if (!secrets.some((s) => s !== '' && error.message.includes(s))) return error;
    const text = error.message.replace(/^MCP error -?\d+: /, '');
    return new McpError(error.code, redact(text, secrets));
  }
  if (isConnectionGone(error) || isSessionGone(error))
    return new UpstreamError('gateway/upstream-unavailable', 'The upstream could not be reached.');
  if (error instanceof StreamableHTTPError)
    return new UpstreamError(
      'gateway/upstream-error',
      redact(`The upstream answered HTTP ${error.code}: ${error.message}`, secrets),
    );
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError('gateway/upstream-error', redact(`The upstream failed: ${message}`, secrets));
}

function requireProxy(server: ServerRecord): void {
  if (server.kind !== 'proxy' || server.url === null)
    throw new Error(`server ${server.id} is not a proxied server: the endpoint serves composed workspaces`);
}

export function createUpstreams(options: UpstreamsOptions): Upstreams {
  const { services, guard } = options;
  const gateway = services.config.gateway;
  const { fetch, post, close: closeFetch } = guardedFetch(guard);
  const pool = new Map<string, Pooled>();
  const lists = new Map<string, CachedList>();
  const listeners = new Set<ListChangedListener>();

  /** The fetch a server's connection uses; a hosted server has no fast lane (its `post` declines). */
  function hostedOrGuarded(server: ServerRecord): { fetch: GuardedFetch; post: GuardedPost } {
    const hosted = options.hosted?.(server.url as string);
    return hosted ? { fetch: hosted, post: async () => null } : { fetch, post };
  }

  const listKey = (serverId: string, name: ListName) => `${serverId}:${name}`;

  function dropLists(serverId: string, names: readonly ListName[] = Object.keys(LISTS) as ListName[]) {
    for (const name of names) lists.delete(listKey(serverId, name));
  }

  /** Closes a connection once its last request is done; new requests get a new one. */
  function retire(serverId: string, pooled: Pooled): void {
    if (pool.get(serverId) === pooled) pool.delete(serverId);
    pooled.retired = true;
    if (pooled.inflight === 0)
      pooled.connection.then(
        (c) => c.close(),
        () => {},
      );
  }

  /** The headers carrying the server's secrets; their values also go into `secrets`, for redaction. */
  async function headersFor(server: ServerRecord, secrets: string[]): Promise<Record<string, string>> {
    const names = [...server.secretHeaders, ...(server.bearerSecret ? [server.bearerSecret] : [])];
    if (names.length === 0) return {};
    const values = await services.workspaces.revealSecrets(server.workspaceId, names);
    secrets.push(...values.values());
    const missing = names.find((name) => !values.has(name));
    if (missing)
      throw new UpstreamError('gateway/upstream-error', `The workspace secret ${missing} is not set.`);
    const headers: Record<string, string> = {};
    for (const name of server.secretHeaders) headers[`X-Mcp-Secret-${name}`] = values.get(name) as string;
    if (server.bearerSecret) headers.Authorization = `Bearer ${values.get(server.bearerSecret)}`;
    return headers;
  }

  function listChanged(server: ServerRecord, kind: ListKind): void {
    for (const name of STALE[kind]) lists.delete(listKey(server.id, name));
    services.bus
      .publish(LIST_CHANGED, { workspaceId: server.workspaceId, serverId: server.id, kind })
      .catch((error: Error) =>
        services.logger.warn('gateway: list change not published', { error: error.message }),
      );
  }

  /** The pooled connection to `server`, opened on first use; a changed configuration replaces it. */
  function pooledFor(server: ServerRecord): Pooled {
    const fingerprint = fingerprintOf(server);
    const current = pool.get(server.id);
    if (current && current.fingerprint === fingerprint) return current;
    if (current) retire(server.id, current);
    const secrets: string[] = [];
    const connect = async () =>
      // The guarded fetch checks the URL and every address it connects to.
      openConnection({
        server,
        headers: await headersFor(server, secrets),
        ...hostedOrGuarded(server),
        timeoutMs: server.timeoutMs ?? gateway.callTimeoutMs,
        onListChanged: (kind) => listChanged(server, kind),
      });
    const pooled: Pooled = {
      workspaceId: server.workspaceId,
      fingerprint,
      secrets,
      inflight: 0,
      retired: false,
      connection: connect(),
    };
    // A failed connect is not kept: the next request tries again.
    pooled.connection.then(
      (connection) => {
        pooled.ready = connection;
      },
      () => {
        if (pool.get(server.id) === pooled) pool.delete(server.id);
      },
    );
    pool.set(server.id, pooled);
    return pooled;
  }

  /**
   * Runs `op` on the server's connection within `signal`; a lost session or connection is renewed
   * once. Failures come out as UpstreamError or the upstream's McpError, their text free of the
   * connection's secrets; after `signal` aborts, as they were (the caller knows why it stopped).
   */
  async function withClient<T>(
    server: ServerRecord,
    signal: AbortSignal,
    op: (c: Connection) => Promise<T>,
    /**
     * Whether to race `op` against `signal`; an op that settles as soon as the signal aborts (the
     * SDK client's requests, the fast lane's POST) spares every call a listener.
     */
    raced = true,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const pooled = pooledFor(server);
      pooled.inflight++;
      try {
        const connection = pooled.ready ?? (await raceSignal(pooled.connection, signal));
        const settled = connection.untilBroken(() => op(connection));
        return await (raced ? raceSignal(settled, signal) : settled);
      } catch (error) {
        if (signal.aborted) throw error;
        const renew = isSessionGone(error) || isConnectionGone(error);
        if (renew) retire(server.id, pooled);
        if (!renew || attempt > 0) throw toUpstreamError(error, pooled.secrets);
      } finally {
        pooled.inflight--;
        if (pooled.retired && pooled.inflight === 0)
          pooled.connection.then(
            (c) => c.close(),
            () => {},
          );
      }
    }
  }

  /**
   * One measured use of the upstream: `timeoutMs` bounds it, `signal` cancels it (the caller gets
   * its abort reason back). Every use feeds the server's health.
   */
  async function use<T>(
    server: ServerRecord,
    o: CallOptions,
    op: (c: Connection, options: RequestOptions) => Promise<T>,
    /** False when `op` itself settles as soon as its signal aborts (see withClient). */
    raced = true,
  ): Promise<T> {
    requireProxy(server);
    const started = performance.now();
    // One controller, a timer and a listener (AbortSignal.timeout + AbortSignal.any cost several
    // times that on every call, and `any` keeps its sources' listeners until collected).
    const owned = o.controller?.signal === o.signal ? o.controller : undefined;
    const controller = owned ?? new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = !controller.signal.aborted;
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    }, o.timeoutMs);
    const follow = () => controller.abort(o.signal.reason);
    if (!owned) {
      if (o.signal.aborted) follow();
      else o.signal.addEventListener('abort', follow, { once: true });
    }
    const signal = controller.signal;
    const requestOptions: RequestOptions = {
      signal,
      // Our deadline fires first; the SDK's own timeout is only a backstop.
      timeout: o.timeoutMs + 1_000,
      ...(o.onprogress ? { onprogress: o.onprogress } : {}),
    };
    const latency = () => Math.round(performance.now() - started);
    try {
      const value = await withClient(server, signal, (c) => op(c, requestOptions), raced);
      options.onHealth(server, { ok: true, latencyMs: latency(), error: null });
      return value;
    } catch (error) {
      if (o.signal.aborted && !timedOut) throw o.signal.reason;
      const mapped = timedOut
        ? new UpstreamError(
            'gateway/upstream-timeout',
            `The upstream did not answer within ${o.timeoutMs} ms.`,
          )
        : (error as UpstreamError | McpError);
      // An upstream that answers with a JSON-RPC error is up: its health stays ok.
      const failed = mapped instanceof UpstreamError;
      options.onHealth(server, { ok: !failed, latencyMs: latency(), error: failed ? mapped.message : null });
      throw mapped;
    } finally {
      clearTimeout(timer);
      if (!owned) o.signal.removeEventListener('abort', follow);
    }
  }

  async function listAll<N extends ListName>(
    server: ServerRecord,
    name: N,
    timeoutMs: number,
  ): Promise<ListOf[N][]> {
    const controller = new AbortController();
    return use(server, { signal: controller.signal, timeoutMs }, async ({ client }, requestOptions) => {
      if (!client.getServerCapabilities()?.[CAPABILITY[name]]) return [];
      const items: ListOf[N][] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = (await client.request(
          { method: LISTS[name].method, params: cursor === undefined ? {} : { cursor } },
          LISTS[name].schema,
          requestOptions,
        )) as unknown as Record<N, ListOf[N][]> & { nextCursor?: string };
        items.push(...result[name]);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
      return items;
    });
  }

  /**
   * The server's `name` list from the cache, or loaded once for every concurrent caller. The load
   * is bounded by the server's list deadline; each caller stops waiting when its own signal aborts,
   * and a load that finishes later still fills the cache for the next caller.
   */
  function cachedList<N extends ListName>(
    server: ServerRecord,
    name: N,
    signal: AbortSignal,
  ): Promise<ListOf[N][]> {
    requireProxy(server);
    const key = listKey(server.id, name);
    const fingerprint = fingerprintOf(server);
    const cached = lists.get(key);
    if (cached && cached.fingerprint === fingerprint && cached.expires > Date.now())
      return raceSignal(cached.items as Promise<ListOf[N][]>, signal);
    const entry: CachedList = {
      workspaceId: server.workspaceId,
      fingerprint,
      url: server.url,
      items: listAll(server, name, server.timeoutMs ?? gateway.listDeadlineMs),
      expires: Date.now() + LIST_TTL_MS,
    };
    lists.set(key, entry);
    entry.items.then(
      (items) => {
        entry.value = items;
      },
      () => {
        if (lists.get(key) === entry) lists.delete(key);
      },
    );
    return raceSignal(entry.items as Promise<ListOf[N][]>, signal);
  }

  const unsubscribe = [
    services.bus.subscribe(LIST_CHANGED, async (message) => {
      const { workspaceId, serverId, kind } = message as {
        workspaceId: string;
        serverId: string;
        kind: ListKind;
      };
      for (const name of STALE[kind]) lists.delete(listKey(serverId, name));
      if (listeners.size === 0) return;
      const server = await options.recordOf(workspaceId, serverId);
      if (server) for (const listener of listeners) listener(server, kind);
    }),
  ];

  function forget(workspaceId: string): void {
    for (const [serverId, pooled] of pool) if (pooled.workspaceId === workspaceId) retire(serverId, pooled);
    for (const [key, entry] of lists) if (entry.workspaceId === workspaceId) lists.delete(key);
  }

  return {
    listTools: (server, signal) => cachedList(server, 'tools', signal),
    listResources: (server, signal) => cachedList(server, 'resources', signal),
    listResourceTemplates: (server, signal) => cachedList(server, 'resourceTemplates', signal),
    listPrompts: (server, signal) => cachedList(server, 'prompts', signal),

    // Without progress, on the fast lane (decision 0043); with progress, or when the fast lane
    // declines (legacy SSE, a redirect), through the SDK client.
    callTool: (server, params, o) =>
      use(
        server,
        o,
        async (connection, ro) => {
          const fast = o.onprogress ? null : await connection.callTool(params, ro.signal!);
          return (
            fast ??
            (connection.client.request(
              { method: 'tools/call', params },
              CallToolResultSchema,
              ro,
            ) as Promise<CallToolResult>)
          );
        },
        false,
      ),
    readResource: (server, params, o) =>
      use(server, o, ({ client }, ro) =>
        client.request({ method: 'resources/read', params }, ReadResourceResultSchema, ro),
      ),
    getPrompt: (server, params, o) =>
      use(server, o, ({ client }, ro) =>
        client.request({ method: 'prompts/get', params }, GetPromptResultSchema, ro),
      ),

    peekList<N extends ListName>(server: ServerRecord, name: N) {
      if (server.kind !== 'proxy') return undefined;
      const cached = lists.get(listKey(server.id, name));
      if (!cached?.value || cached.expires <= Date.now() || cached.fingerprint !== fingerprintOf(server))
        return undefined;
      return cached.value as ListOf[N][];
    },

    onListChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async check(server) {
      requireProxy(server);
      const pooled = pool.get(server.id);
      if (pooled) retire(server.id, pooled);
      dropLists(server.id);
      const started = performance.now();
      try {
        await listAll(server, 'tools', server.timeoutMs ?? gateway.listDeadlineMs);
        return { ok: true, latencyMs: Math.round(performance.now() - started), error: null };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
      }
    },

    retain(workspaceId, current) {
      const byId = new Map(current.map((s) => [s.id, fingerprintOf(s)]));
      for (const [serverId, pooled] of pool)
        if (pooled.workspaceId === workspaceId && byId.get(serverId) !== pooled.fingerprint)
          retire(serverId, pooled);
      for (const [key, entry] of lists)
        if (entry.workspaceId === workspaceId && byId.get(key.split(':')[0] as string) !== entry.fingerprint)
          lists.delete(key);
    },

    forget,

    dropListsWhere(stale) {
      const servers = new Map<string, string>();
      for (const [key, entry] of lists) {
        if (entry.url === null || !stale(entry.url)) continue;
        lists.delete(key);
        servers.set(key.split(':')[0] as string, entry.workspaceId);
      }
      if (listeners.size === 0) return;
      for (const [serverId, workspaceId] of servers)
        options
          .recordOf(workspaceId, serverId)
          .then((server) => {
            if (server) for (const listener of listeners) listener(server, 'tools');
          })
          .catch((error: Error) =>
            services.logger.warn('gateway: a hosted list change not told', { error: error.message }),
          );
    },

    async close() {
      for (const u of unsubscribe) u();
      for (const [serverId, pooled] of pool) retire(serverId, pooled);
      await closeFetch();
    },
  };
}
