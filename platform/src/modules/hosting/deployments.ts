import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import type { Catalog } from './catalog/index.js';
import * as catalogStore from './catalog/store.js';
import { readLayout } from './layout/index.js';
import { checkServiceTargets } from './layout/services.js';
import type { Binding } from './layout/toml.js';
import { type Loader, toSource } from './loader.js';
import type { HostingSecrets } from './secrets.js';
import { catalogToolOf, type Skills, skillOf } from './skills/index.js';
import * as store from './store.js';

type DeploymentCreate = components['schemas']['DeploymentCreate'];

export const ID_PREFIX = 'dep';

/**
 * Deploys, rollbacks and deleted workers. Each change is tried in this process's runtime first
 * (code that does not load is refused and what ran keeps running), then stored, then announced
 * to every process through the bus.
 */
export function createDeployments(
  services: Services,
  loader: Loader,
  secrets: HostingSecrets,
  catalog: Catalog,
  skills: Skills,
) {
  const db = tables<store.HostingTables>(services.database);
  const { maxBundleBytes, maxWorkers } = services.config.hosting.deploy;

  async function worker(projectId: string, name: string): Promise<store.WorkerRow> {
    const row = await store.getWorker(db, projectId, name);
    if (!row) throw new ApiError('hosting/worker-not-found', `The project has no worker ${name}.`);
    return row;
  }

  /**
   * Loads the project's set with `row` as its worker's active deployment, then stores it. An MCP
   * server's tools are fetched from the code just loaded, and its catalogue entry stored in the
   * same transaction: when tools/list fails, the previous set is loaded again and nothing stored.
   * The AI primitive's manifest is asked for afterwards, the project's requests no longer waiting.
   */
  async function activate(row: Omit<store.DeploymentRow, 'version'>): Promise<store.DeploymentRow> {
    const { stored, entry } = await trialAndStore(row);
    if (entry) await catalog.enrich(entry, row);
    return stored;
  }

  async function trialAndStore(row: Omit<store.DeploymentRow, 'version'>) {
    return loader.exclusive(row.project_id, async () => {
      const previous = await loader.current(row.project_id);
      const isNew = !previous.some((s) => s.name === row.worker);
      if (isNew && (await store.countWorkers(db, row.project_id)) >= maxWorkers) {
        throw new ApiError('hosting/limit-reached', `A project holds at most ${maxWorkers} workers.`);
      }
      const mcp = row.kind === 'mcp-server';
      // A skill's catalogue entry lists its declared tool; the platform serves it (decision 0053).
      const skill = skillOf(row);
      if (mcp || skill) await catalog.checkSlug(row);
      if (skill) await skills.check(skill);
      // A service binding's target must be in the set this deployment joins (Cloudflare's rule).
      checkServiceTargets(JSON.parse(row.bindings) as Binding[], [
        ...previous.map((s) => s.name),
        row.worker,
      ]);
      const opened = await secrets.reveal(row.project_id);
      const candidate = [
        ...previous.filter((s) => s.name !== row.worker),
        toSource({ ...row, version: 0 }, opened),
      ];
      await loader.trial(row.project_id, candidate, previous);
      try {
        const entry = mcp
          ? await catalog.prepare(row)
          : skill
            ? await catalog.prepare(row, [catalogToolOf(skill.tool)])
            : null;
        const stored = await services.database.db.transaction().execute(async (tx) => {
          const inserted = await store.insertActive(tables<store.HostingTables>(tx), row, row.kind);
          await catalog.save(tables<catalogStore.CatalogTables>(tx), row.project_id, row.worker, entry);
          return inserted;
        });
        await loader.changed(row.project_id);
        return { stored, entry };
      } catch (error) {
        await loader.trial(row.project_id, previous, previous).catch(() => undefined);
        throw error;
      }
    });
  }

  return {
    worker,

    async deploy(projectId: string, body: DeploymentCreate): Promise<store.DeploymentRow> {
      const runtime = loader.required();
      const layout = readLayout(body, { maxCompatibilityDate: runtime.maxCompatibilityDate, maxBundleBytes });
      return activate({
        id: newId(ID_PREFIX),
        project_id: projectId,
        worker: layout.config.name,
        kind: layout.kind,
        compatibility_date: layout.config.compatibilityDate,
        compatibility_flags: JSON.stringify(layout.config.compatibilityFlags),
        vars: JSON.stringify(layout.config.vars),
        bindings: JSON.stringify(layout.config.bindings),
        crons: JSON.stringify(layout.config.crons),
        manifest: layout.manifest ? JSON.stringify(layout.manifest) : null,
        warnings: JSON.stringify(layout.warnings),
        modules: JSON.stringify(layout.modules),
        rolled_back_from: null,
        created_at: isoNow(),
      });
    },

    /** A new deployment with the code and settings of an earlier one (Cloudflare's rollback). */
    async rollback(projectId: string, name: string, deploymentId: string): Promise<store.DeploymentRow> {
      await worker(projectId, name);
      const source = await store.getDeployment(db, projectId, name, deploymentId);
      if (!source)
        throw new ApiError(
          'hosting/deployment-not-found',
          `The worker ${name} has no deployment ${deploymentId}.`,
        );
      const { version: _version, ...settings } = source;
      return activate({
        ...settings,
        id: newId(ID_PREFIX),
        rolled_back_from: source.id,
        created_at: isoNow(),
      });
    },

    async get(projectId: string, name: string, deploymentId: string) {
      const owner = await worker(projectId, name);
      const row = await store.getDeployment(db, projectId, name, deploymentId);
      if (!row)
        throw new ApiError(
          'hosting/deployment-not-found',
          `The worker ${name} has no deployment ${deploymentId}.`,
        );
      return { row, activeId: owner.active_deployment_id };
    },

    async list(projectId: string, name: string, before: number | null, limit: number) {
      const owner = await worker(projectId, name);
      return {
        rows: await store.listDeployments(db, projectId, name, before, limit),
        activeId: owner.active_deployment_id,
      };
    },

    listWorkers: store.listWorkers.bind(null, db),

    /** Deletes the worker and its deployments; the rest of the project's set is loaded again. */
    async deleteWorker(projectId: string, name: string): Promise<void> {
      await loader.exclusive(projectId, async () => {
        const deleted = await services.database.db.transaction().execute(async (tx) => {
          await catalogStore.deleteWorker(tables<catalogStore.CatalogTables>(tx), projectId, name);
          return store.deleteWorker(tables<store.HostingTables>(tx), projectId, name);
        });
        if (!deleted) throw new ApiError('hosting/worker-not-found', `The project has no worker ${name}.`);
        await loader.changed(projectId);
        const remaining = await loader.current(projectId);
        if (remaining.length === 0) await loader.unload(projectId);
      });
    },
  };
}

export type Deployments = ReturnType<typeof createDeployments>;
