import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  ErrorCode,
  McpError,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Services } from '../../../services.js';
import { withDeadline } from './deadline.js';
import { codeOf } from './errors.js';
import { gatewayName, resolveName, splitName } from './names.js';
import type { ServerRecord } from './types.js';

/** The four lists the gateway merges. */
export interface Items {
  tools: Tool;
  resources: Resource;
  resourceTemplates: ResourceTemplate;
  prompts: Prompt;
}
export type ListKind = keyof Items;

/** A server left out of a list, and the stable code saying why. */
export interface Skipped {
  server: string;
  reason: string;
}

/** One server's items, as that server names them. */
export interface ServerItems<K extends ListKind> {
  server: ServerRecord;
  items: readonly Items[K][];
}

export interface Collected<K extends ListKind> {
  /** In server slug order. */
  lists: ServerItems<K>[];
  skipped: Skipped[];
}

/** The workspaces already on the way down a composition: a workspace is never aggregated twice. */
export type Visited = ReadonlySet<string>;

/** A server of kind `workspace` whose target is already being aggregated (or is gone). */
class CompositionLoop extends Error {
  readonly code = 'gateway/composition-loop';
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function matches(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false; // a template the SDK cannot parse serves nothing
  }
}

/**
 * The merged list clients see, from each server's items: tools and prompts renamed
 * `{server}__{name}` (shortened past 64 characters) and sorted by server then name, disabled tools
 * hidden; resources and templates keep their URIs, the first server (by slug) listing one wins.
 */
export function merge<K extends ListKind>(kind: K, lists: readonly ServerItems<K>[]): Items[K][] {
  const out: Items[K][] = [];
  if (kind === 'tools' || kind === 'prompts') {
    for (const { server, items } of lists) {
      const hidden = kind === 'tools' ? new Set(server.disabledTools) : null;
      const visible = (items as readonly (Tool | Prompt)[])
        .filter((item) => !hidden?.has(item.name))
        .sort((a, b) => byCodeUnits(a.name, b.name));
      const seen = new Set<string>();
      for (const item of visible) {
        const name = gatewayName(server.slug, item.name);
        if (seen.has(name)) continue;
        seen.add(name);
        out.push({ ...item, name } as Items[K]);
      }
    }
    return out;
  }
  const key = (item: Resource | ResourceTemplate) => ('uri' in item ? item.uri : item.uriTemplate);
  const seen = new Set<string>();
  for (const { items } of lists) {
    const sorted = [...(items as readonly (Resource | ResourceTemplate)[])].sort((a, b) =>
      byCodeUnits(key(a), key(b)),
    );
    for (const item of sorted) {
      if (seen.has(key(item))) continue;
      seen.add(key(item));
      out.push(item as Items[K]);
    }
  }
  return out;
}

export type Aggregator = ReturnType<typeof createAggregator>;

/**
 * The fan-out over a workspace's enabled servers. Proxied servers answer from the upstream pool
 * (which caches each list until list_changed); a server of kind `workspace` is its target
 * workspace aggregated in-process, its items named as that workspace names them.
 */
export function createAggregator(services: Services) {
  const { gateway, config } = services;
  const upstreams = gateway.upstreams;
  const fetchers: { [K in ListKind]: (server: ServerRecord, signal: AbortSignal) => Promise<Items[K][]> } = {
    tools: (server, signal) => upstreams.listTools(server, signal),
    resources: (server, signal) => upstreams.listResources(server, signal),
    resourceTemplates: (server, signal) => upstreams.listResourceTemplates(server, signal),
    prompts: (server, signal) => upstreams.listPrompts(server, signal),
  };

  const deadlineOf = (server: ServerRecord) => server.timeoutMs ?? config.gateway.listDeadlineMs;

  /** One server's items; a server without the capability (method not found) has none. */
  async function itemsOf<K extends ListKind>(
    server: ServerRecord,
    kind: K,
    signal: AbortSignal,
    visited: Visited,
    startedAt: number,
  ): Promise<{ items: readonly Items[K][]; skipped: Skipped[] }> {
    if (server.kind === 'proxy') {
      try {
        return { items: await fetchers[kind](server, signal), skipped: [] };
      } catch (error) {
        if (error instanceof McpError && error.code === ErrorCode.MethodNotFound)
          return { items: [], skipped: [] };
        throw error;
      }
    }
    const target = server.targetWorkspaceId;
    if (!target || visited.has(target))
      throw new CompositionLoop(`${server.slug} leads back into the composition`);
    const inner = await collect(target, kind, signal, new Set(visited).add(target), startedAt);
    return {
      items: merge(kind, inner.lists),
      skipped: inner.skipped.map((s) => ({ server: `${server.slug}/${s.server}`, reason: s.reason })),
    };
  }

  /**
   * One server's items within its deadline, counted from `startedAt` (when the request arrived:
   * the deadline covers everything the request does, a first connection and initialize included).
   * A composed workspace without a timeout of its own is bounded by its servers' deadlines
   * already; another one around them would cut it off first.
   */
  function listOne<K extends ListKind>(
    server: ServerRecord,
    kind: K,
    signal: AbortSignal,
    visited: Visited,
    startedAt = performance.now(),
  ) {
    if (server.kind === 'workspace' && server.timeoutMs === null)
      return itemsOf(server, kind, signal, visited, startedAt);
    const left = Math.max(1, deadlineOf(server) - (performance.now() - startedAt));
    return withDeadline(left, signal, (bounded) => itemsOf(server, kind, bounded, visited, startedAt));
  }

  /**
   * Every enabled server's items, in parallel, each within its deadline: what arrived, in slug
   * order, and the servers skipped with the stable code of their failure.
   */
  async function collect<K extends ListKind>(
    workspaceId: string,
    kind: K,
    signal: AbortSignal,
    visited: Visited = new Set([workspaceId]),
    startedAt = performance.now(),
  ): Promise<Collected<K>> {
    const servers = [...(await gateway.servers.enabledFor(workspaceId))].sort((a, b) =>
      byCodeUnits(a.slug, b.slug),
    );
    const settled = await Promise.all(
      servers.map((server) =>
        listOne(server, kind, signal, visited, startedAt).then(
          (result) => ({ server, ...result, error: null }),
          (error: unknown) => ({ server, items: [], skipped: [], error }),
        ),
      ),
    );
    const collected: Collected<K> = { lists: [], skipped: [] };
    for (const { server, items, skipped, error } of settled) {
      if (error === null) collected.lists.push({ server, items });
      else collected.skipped.push({ server: server.slug, reason: reasonOf(error) });
      collected.skipped.push(...skipped);
    }
    return collected;
  }

  function reasonOf(error: unknown): string {
    if (error instanceof CompositionLoop) return error.code;
    const code = codeOf(error);
    if (code === 'internal/unexpected') {
      services.logger.error('gateway list failed', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    // An upstream's JSON-RPC error on a list is that upstream failing, whatever its number.
    return code.startsWith('mcp/') ? 'gateway/upstream-error' : code;
  }

  /**
   * The server and item a gateway name stands for (a tool or a prompt), through that server's
   * (cached) list; null when no enabled server or item has that name, or the tool is disabled.
   */
  async function resolve<K extends 'tools' | 'prompts'>(
    workspaceId: string,
    kind: K,
    name: string,
    signal: AbortSignal,
    visited: Visited = new Set([workspaceId]),
  ): Promise<{ server: ServerRecord; item: Items[K] } | null> {
    const slug = splitName(name)?.server;
    if (!slug) return null;
    const server = (await gateway.servers.enabledFor(workspaceId)).find((s) => s.slug === slug);
    if (!server) return null;
    // A loaded list answers at once: no deadline, timer or promise race on every call.
    const items = upstreams.peekList(server, kind) ?? (await listOne(server, kind, signal, visited)).items;
    const item = resolveName(server.slug, items, name);
    if (!item || (kind === 'tools' && server.disabledTools.includes(item.name))) return null;
    return { server, item };
  }

  /**
   * The server that serves `uri`: the first (by slug) that lists it, else the first with a
   * template matching it. Every list is asked for at once, but the answer comes as soon as the
   * servers before the one that lists the URI have answered: a hung server later in the order
   * delays nothing. Servers that fail to list are passed over.
   */
  async function route(
    workspaceId: string,
    uri: string,
    signal: AbortSignal,
    visited: Visited = new Set([workspaceId]),
  ): Promise<ServerRecord | null> {
    const servers = [...(await gateway.servers.enabledFor(workspaceId))].sort((a, b) =>
      byCodeUnits(a.slug, b.slug),
    );
    const pending = <K extends ListKind>(kind: K) =>
      servers.map((server) =>
        listOne(server, kind, signal, visited).then(
          (r) => r.items,
          () => [],
        ),
      );
    const resources = pending('resources');
    const templates = pending('resourceTemplates');
    for (const [i, server] of servers.entries()) {
      if ((await resources[i]!).some((r) => r.uri === uri)) return server;
    }
    for (const [i, server] of servers.entries()) {
      if ((await templates[i]!).some((t) => matches(t.uriTemplate, uri))) return server;
    }
    return null;
  }

  return { collect, resolve, route };
}
