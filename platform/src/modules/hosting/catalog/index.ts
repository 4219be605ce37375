import type { components } from '@aerostack/spec/types';
import type { Kysely } from 'kysely';
import { tables } from '../../../db/database.js';
import { ApiError } from '../../../http/problem.js';
import type { Position } from '../../../lib/cursor.js';
import type { Services } from '../../../services.js';
import type { Manifest } from '../layout/json.js';
import type { Loader } from '../loader.js';
import type { DeploymentRow, HostingTables } from '../store.js';
import { generateManifest } from './manifest.js';
import { createRefresh } from './refresh.js';
import * as store from './store.js';
import {
  type CatalogTool,
  fetchTools,
  MCP_PATH,
  RETRY_DELAYS_MS,
  type RetryOptions,
  sleep,
} from './tools.js';

type CatalogEntry = components['schemas']['CatalogEntry'];

/** The worker's MCP endpoint as a workspace adds it: the function URL and `/mcp`. */
export function mcpUrl(publicUrl: string, projectId: string, worker: string): string {
  return `${publicUrl}/fn/${projectId}/${worker}${MCP_PATH}`;
}

/** The aerostack.json of a deployment (an MCP server always has one; its worker name otherwise). */
function infoOf(row: Pick<DeploymentRow, 'manifest' | 'worker'>): Manifest {
  return row.manifest === null
    ? { name: row.worker, slug: row.worker }
    : (JSON.parse(row.manifest) as Manifest);
}

export function toCatalogEntry(row: store.CatalogEntryRow, publicUrl: string): CatalogEntry {
  const info = JSON.parse(row.info) as Manifest;
  const vars = JSON.parse(row.config_schema) as string[];
  const paused = row.refresh_paused === 1;
  return {
    slug: row.slug,
    projectId: row.project_id,
    worker: row.worker,
    kind: row.kind,
    name: info.name,
    description: info.description ?? null,
    category: info.category ?? null,
    tags: info.tags ?? [],
    visibility: info.visibility ?? 'private',
    version: info.version ?? null,
    readme: info.readme ?? null,
    license: info.license ?? null,
    secrets: info.secrets ?? [],
    url: mcpUrl(publicUrl, row.project_id, row.worker),
    configSchema: vars.map((name, i) => ({ name, primary: i === 0 })),
    tools: JSON.parse(row.tools),
    manifest: JSON.parse(row.manifest),
    manifestSource: row.manifest_source,
    deploymentId: row.deployment_id,
    refresh: {
      status: paused ? 'paused' : row.refresh_failures > 0 ? 'failing' : 'ok',
      refreshedAt: row.refreshed_at,
      failures: Number(row.refresh_failures),
      lastError: row.refresh_error,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The project's own catalogue of hosted MCP servers (decision 0051): each deploy of an MCP server
 * fetches its tools from the code just loaded, writes its manifest, and stores the entry in the
 * deploy's transaction; the hourly refresh keeps the tools current.
 */
export function createCatalog(services: Services, loader: Loader) {
  const db = tables<store.CatalogTables>(services.database);
  /** Entries with their kind (a join on the deployment each describes). */
  const entries = tables<store.CatalogTables & Pick<HostingTables, 'hosting_deployments'>>(services.database);
  // What the worker sees of its URL (read when used: a platform listening on port 0 learns its port late).
  const origin = () => new URL(services.config.publicUrl).origin;
  /** A deploy's retries of tools/list; tests shorten the delays. */
  const retry: RetryOptions = { delaysMs: RETRY_DELAYS_MS, sleep };
  const log = (message: string, fields: Record<string, unknown>) => services.logger.warn(message, fields);

  /** The manifest of the server `row` deploys with `tools`; by the AI primitive unless `heuristicOnly`. */
  async function describe(
    projectId: string,
    row: Pick<DeploymentRow, 'manifest' | 'worker' | 'vars'>,
    tools: CatalogTool[],
    heuristicOnly = false,
  ) {
    const info = infoOf(row);
    return generateManifest(
      heuristicOnly ? undefined : services.ai,
      {
        projectId,
        name: info.name,
        description: info.description ?? null,
        category: info.category ?? null,
        tags: info.tags ?? [],
        readme: info.readme ?? null,
        secrets: info.secrets ?? [],
        vars: (JSON.parse(row.vars) as [string, string][]).map(([name]) => name),
        tools,
      },
      log,
    );
  }

  function targetOf(url: string): { projectId: string; worker: string; path: string } | null {
    const prefix = `${services.config.publicUrl}/fn/`;
    if (!url.startsWith(prefix)) return null;
    const parsed = new URL(url);
    const match = /^\/fn\/([^/]+)\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
    if (!match) return null;
    return { projectId: match[1]!, worker: match[2]!, path: `${match[3] ?? '/'}${parsed.search}` };
  }

  const refresh = createRefresh(services, {
    fetch: (projectId, worker, request) => loader.fetch(projectId, worker, request),
    origin,
    describe: (projectId, row, tools) => describe(projectId, row, tools),
  });

  return {
    retry,
    refresh,

    /** 409 `hosting/slug-taken` when another worker of the project holds the deployment's slug. */
    async checkSlug(row: Pick<DeploymentRow, 'project_id' | 'worker' | 'manifest'>): Promise<void> {
      const slug = infoOf(row).slug;
      const holder = await store.getBySlug(db, row.project_id, slug);
      if (holder && holder.worker !== row.worker) {
        throw new ApiError(
          'hosting/slug-taken',
          `The worker ${holder.worker} is in the catalogue as ${slug}: give this one another slug in aerostack.json.`,
        );
      }
    },

    /**
     * The entry for a deployment of an MCP server whose code the runtime has just loaded (the
     * trial of a deploy): its tools (tools/list, retried) and manifest. Throws 422
     * `hosting/tools-list-failed`.
     */
    async prepare(row: Omit<DeploymentRow, 'version'>, declared?: CatalogTool[]): Promise<store.CatalogRow> {
      const runtime = loader.required();
      // A skill declares its tool (decision 0053); an MCP server's code lists its own.
      const tools =
        declared ??
        (await fetchTools((request) => runtime.fetch(row.project_id, row.worker, request), origin(), retry));
      // The heuristic here, while the project's requests wait for the deploy; the model after (enrich).
      const { manifest, source } = await describe(row.project_id, row, tools, true);
      const info = infoOf(row);
      return {
        project_id: row.project_id,
        worker: row.worker,
        slug: info.slug,
        deployment_id: row.id,
        info: JSON.stringify(info),
        config_schema: JSON.stringify((JSON.parse(row.vars) as [string, string][]).map(([name]) => name)),
        tools: JSON.stringify(tools),
        manifest: JSON.stringify(manifest),
        manifest_source: source,
        refreshed_at: row.created_at,
        refresh_due: Date.parse(row.created_at) + refresh.intervalMs,
        refresh_failures: 0,
        refresh_paused: 0,
        refresh_error: null,
        created_at: row.created_at,
        updated_at: row.created_at,
      };
    },

    /**
     * The AI primitive's manifest for a stored entry, when a provider is configured: asked once the
     * deploy is stored and the project's requests no longer wait for it; the entry keeps the
     * heuristic one when the model fails, or when another deploy replaced it meanwhile.
     */
    async enrich(
      entry: store.CatalogRow,
      row: Pick<DeploymentRow, 'manifest' | 'worker' | 'vars'>,
    ): Promise<void> {
      if (!services.ai?.provider) return;
      const { manifest, source } = await describe(entry.project_id, row, JSON.parse(entry.tools));
      if (source !== 'ai') return;
      await store.update(db, entry, { manifest: JSON.stringify(manifest), manifest_source: source });
    },

    /** Stores `entry` in the deploy's transaction (a worker that is no MCP server any more: none). */
    async save(
      t: Kysely<store.CatalogTables>,
      projectId: string,
      worker: string,
      entry: store.CatalogRow | null,
    ): Promise<void> {
      if (!entry) return store.deleteWorker(t, projectId, worker);
      try {
        await store.upsert(t, entry);
      } catch (error) {
        if (store.isUniqueViolation(error))
          throw new ApiError(
            'hosting/slug-taken',
            `Another worker of the project is in the catalogue as ${entry.slug}.`,
          );
        throw error;
      }
    },

    list: (
      projectId: string,
      kind: store.CatalogKind | undefined,
      position: Position | null,
      limit: number,
    ) => store.list(entries, projectId, kind, position, limit),

    async get(projectId: string, slug: string): Promise<store.CatalogEntryRow> {
      const row = await store.entryBySlug(entries, projectId, slug);
      if (!row)
        throw new ApiError(
          'hosting/catalog-entry-not-found',
          `The project's catalogue has no server ${slug}.`,
        );
      return row;
    },

    /**
     * The hosted worker a gateway URL names (`<public URL>/fn/{projectId}/{worker}/…`), or null:
     * the gateway then calls it in this process rather than over the network.
     */
    targetOf,

    /** A fetch to the hosted worker `url` names, as the function endpoint would forward it. */
    fetchHosted(url: string | URL, init?: RequestInit): Promise<Response> {
      const target = targetOf(String(url));
      if (!target) return Promise.reject(new Error(`${String(url)} names no hosted worker`));
      const request = new Request(`${origin()}${target.path}`, init);
      request.headers.set('accept-encoding', 'identity');
      return loader.fetch(target.projectId, target.worker, request);
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
