import { tables } from '../../../db/database.js';
import type { Services } from '../../../services.js';
import type { DeploymentRow } from '../store.js';
import type { CapabilityManifest } from './manifest.js';
import * as store from './store.js';
import { type CatalogTool, errorText, fetchTools } from './tools.js';

/** Each server's tools are fetched again this often (once across nodes). */
export const REFRESH_INTERVAL_MS = 3_600_000;
/** A failed refresh is tried again after this, up to MAX_RETRIES times, then the entry is paused. */
export const RETRY_AFTER_MS = 5 * 60_000;
export const MAX_RETRIES = 5;
/** How often each node looks for due entries. */
const PASS_MS = 60_000;
/** Entries one pass looks at (the rest are due on the next). */
const PASS_BATCH = 100;

export interface RefreshDeps {
  /** A request to the project's worker, its active set loaded (the loader's fetch). */
  fetch: (projectId: string, worker: string, request: Request) => Promise<Response>;
  /** The origin the worker sees in its request's URL. */
  origin: () => string;
  describe(
    projectId: string,
    row: Pick<DeploymentRow, 'manifest' | 'worker' | 'vars'>,
    tools: CatalogTool[],
  ): Promise<{ manifest: CapabilityManifest; source: 'ai' | 'heuristic' }>;
}

/**
 * The hourly re-fetch of every hosted MCP server's `tools/list`, on every node (decision 0051).
 * A node claims an entry by moving its `refresh_due` forward (one UPDATE wins), so each server
 * is fetched once per hour across nodes. A failure is retried every RETRY_AFTER_MS, MAX_RETRIES
 * times, then the entry is paused with its last error until the next deploy. Only the catalogue's
 * entries are refreshed: workers of kind `mcp-server`; functions and skills have none. Tests call
 * `pass` with their own clock.
 */
export function createRefresh(services: Services, deps: RefreshDeps) {
  const db = tables<store.CatalogTables>(services.database);
  const deployments = tables<{ hosting_deployments: DeploymentRow }>(services.database);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function refreshOne(entry: Awaited<ReturnType<typeof store.due>>[number], now: number) {
    const key = { project_id: entry.project_id, worker: entry.worker, deployment_id: entry.deployment_id };
    const at = new Date(now).toISOString();
    try {
      const tools = await fetchTools(
        (request) => deps.fetch(entry.project_id, entry.worker, request),
        deps.origin(),
        { delaysMs: [], sleep: async () => {} },
      );
      const current = await store.getByWorker(db, entry.project_id, entry.worker);
      const changes: Parameters<typeof store.update>[2] = {
        refreshed_at: at,
        refresh_due: now + REFRESH_INTERVAL_MS,
        refresh_failures: 0,
        refresh_error: null,
      };
      if (current && current.tools !== JSON.stringify(tools)) {
        const deployment = await deployments
          .selectFrom('hosting_deployments')
          .select(['manifest', 'worker', 'vars'])
          .where('id', '=', entry.deployment_id)
          .executeTakeFirst();
        if (deployment) {
          const { manifest, source } = await deps.describe(entry.project_id, deployment, tools);
          Object.assign(changes, {
            tools: JSON.stringify(tools),
            manifest: JSON.stringify(manifest),
            manifest_source: source,
            updated_at: at,
          });
        }
      }
      await store.update(db, key, changes);
    } catch (error) {
      const failures = Number(entry.refresh_failures) + 1;
      const paused = failures > MAX_RETRIES;
      await store.update(db, key, {
        refresh_failures: failures,
        refresh_paused: paused ? 1 : 0,
        refresh_error: errorText(error),
        refresh_due: now + RETRY_AFTER_MS,
      });
      services.logger.warn(
        paused
          ? 'hosting: an MCP server stays unreachable; its refresh is paused'
          : 'hosting: an MCP server refresh failed',
        { projectId: entry.project_id, worker: entry.worker, failures, error: errorText(error) },
      );
    }
  }

  /** Refreshes the entries due at `now` that this node claims; answers how many it refreshed. */
  async function pass(now: number): Promise<number> {
    let done = 0;
    for (const entry of await store.due(db, now, PASS_BATCH)) {
      // Claimed for an hour: a node that stops mid-fetch leaves it to the next hour.
      if (!(await store.claim(db, entry, entry.refresh_due, now + REFRESH_INTERVAL_MS))) continue;
      await refreshOne(entry, now);
      done += 1;
    }
    return done;
  }

  async function loop(): Promise<void> {
    await pass(Date.now()).catch((error: unknown) =>
      services.logger.error('hosting: the catalogue refresh failed', { error: String(error) }),
    );
    if (!closed) timer = setTimeout(() => void loop(), PASS_MS).unref();
  }

  return {
    intervalMs: REFRESH_INTERVAL_MS,
    pass,
    /** Starts the timer (when this process can run hosted code). */
    start(): void {
      if (!closed && timer === undefined) timer = setTimeout(() => void loop(), PASS_MS).unref();
    },
    close(): void {
      closed = true;
      clearTimeout(timer);
    },
  };
}

export type Refresh = ReturnType<typeof createRefresh>;
