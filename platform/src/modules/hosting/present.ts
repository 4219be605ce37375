import type { components } from '@aerostack/spec/types';
import type { FieldProblem } from '../../http/problem.js';
import { WIRED_TABLES } from './bindings/index.js';
import type { Manifest, WorkerKind } from './layout/json.js';
import type { Binding } from './layout/toml.js';
import type { DeploymentRow, WorkerRow } from './store.js';

type Deployment = components['schemas']['Deployment'];
type Worker = components['schemas']['Worker'];

/**
 * Bindings this platform gives to the code (decision 0049: the project's stores; decision 0054:
 * service bindings) or runs (decision 0052: queue consumers, which Cloudflare never puts in
 * `env` either): the others are accepted, validated and kept with the deployment, and reach `env`
 * when the runtime wires them.
 */
const WIRED: ReadonlySet<Binding['type']> = new Set([...WIRED_TABLES, 'services', 'queues.consumers']);

/** The API's view of a deployment: its settings, never its code or the values of `[vars]`. */
export function toDeployment(row: DeploymentRow, activeId: string | null): Deployment {
  const vars = JSON.parse(row.vars) as [string, string][];
  const modules = JSON.parse(row.modules) as { name: string; content: string }[];
  return {
    id: row.id,
    projectId: row.project_id,
    worker: row.worker,
    version: Number(row.version),
    kind: row.kind as WorkerKind,
    active: row.id === activeId,
    compatibilityDate: row.compatibility_date,
    compatibilityFlags: JSON.parse(row.compatibility_flags),
    modules: modules.map((m) => ({ name: m.name, sizeBytes: Buffer.byteLength(m.content, 'utf8') })),
    vars: vars.map(([name]) => name),
    authSecretKey: vars[0]?.[0] ?? null,
    bindings: (JSON.parse(row.bindings) as Binding[]).map((b) => ({
      type: b.type,
      binding: b.binding,
      wired: WIRED.has(b.type),
    })),
    crons: JSON.parse(row.crons),
    manifest: row.manifest === null ? null : (JSON.parse(row.manifest) as Manifest),
    warnings: JSON.parse(row.warnings) as FieldProblem[],
    rolledBackFrom: row.rolled_back_from,
    createdAt: row.created_at,
  };
}

export function toWorker(row: WorkerRow, publicUrl: string): Worker {
  return {
    name: row.name,
    projectId: row.project_id,
    kind: row.kind as WorkerKind,
    activeDeploymentId: row.active_deployment_id,
    version: Number(row.active_version),
    url: `${publicUrl}/fn/${row.project_id}/${row.name}`,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
