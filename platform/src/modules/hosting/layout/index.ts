import type { components } from '@aerostack/spec/types';
import { ApiError, type FieldProblem } from '../../../http/problem.js';
import { OWN_DIR } from '../runtime/worker-code.js';
import { type Manifest, readJson, type WorkerKind } from './json.js';
import { readToml, type WorkerConfig } from './toml.js';

type DeploymentCreate = components['schemas']['DeploymentCreate'];
export type WorkerModule = components['schemas']['WorkerModule'];

/** A deployable project: its two files validated, its modules with the entry first. */
export interface Layout {
  config: WorkerConfig;
  manifest: Manifest | null;
  kind: WorkerKind;
  modules: WorkerModule[];
  warnings: FieldProblem[];
}

export interface LayoutLimits {
  /** The newest `compatibility_date` the runtime's workerd supports. */
  maxCompatibilityDate: string;
  maxBundleBytes: number;
}

/** The candidates for the entry: `main` itself, and `main` bundled (`src/index.ts` → `src/index.js`). */
function entryNames(main: string): string[] {
  const clean = main.replace(/^\.\//, '');
  return [clean, clean.replace(/\.(ts|tsx|mts|cts|jsx|mjs|cjs)$/, '.js'), clean.replace(/\.[a-z]+$/, '.mjs')];
}

/** Checks the modules against each other and `main`; returns them with the entry first. */
function orderModules(
  modules: WorkerModule[],
  main: string,
  problems: FieldProblem[],
  mainAt: string,
): WorkerModule[] {
  const seen = new Set<string>();
  modules.forEach((m, i) => {
    if (seen.has(m.name)) {
      problems.push({ location: `body/modules/${i}/name`, message: `The module ${m.name} is given twice.` });
    }
    if (m.name.startsWith(`${OWN_DIR}/`)) {
      problems.push({
        location: `body/modules/${i}/name`,
        message: `Module names under ${OWN_DIR}/ are the platform's; rename ${m.name}.`,
      });
    }
    seen.add(m.name);
  });
  const entry = entryNames(main)
    .map((name) => modules.find((m) => m.name === name))
    .find((m) => m !== undefined);
  if (!entry) {
    const names = modules.slice(0, 5).map((m) => m.name);
    problems.push({
      location: mainAt,
      message: `\`main\` names ${main}, which is not among the modules (${names.join(', ')}${modules.length > 5 ? ', …' : ''}); bundle it as ${entryNames(main)[1]}.`,
    });
    return modules;
  }
  return [entry, ...modules.filter((m) => m !== entry)];
}

/**
 * Validates a deployment's files and modules. Every problem of the two files and the modules is
 * reported at once (422 `hosting/layout-invalid`, `errors[]` located as `aerostack.toml:7:1`);
 * unknown keys come back as warnings.
 */
export function readLayout(body: DeploymentCreate, limits: LayoutLimits): Layout {
  const size = body.modules.reduce((sum, m) => sum + Buffer.byteLength(m.content, 'utf8'), 0);
  if (size > limits.maxBundleBytes) {
    throw new ApiError(
      'hosting/bundle-too-large',
      `The modules hold ${size} bytes; a deployment holds at most ${limits.maxBundleBytes}.`,
    );
  }
  const toml = readToml(body.aerostackToml, limits.maxCompatibilityDate);
  const json = body.aerostackJson === undefined ? null : readJson(body.aerostackJson);
  const problems = [...toml.issues.errors, ...(json?.issues.errors ?? [])];
  const modules = toml.config
    ? orderModules(body.modules, toml.config.main, problems, toml.issues.at('main'))
    : body.modules;
  if (problems.length > 0 || !toml.config) {
    throw new ApiError(
      'hosting/layout-invalid',
      `The project's layout has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems[0]?.location} ${problems[0]?.message}`,
      { errors: problems },
    );
  }
  return {
    config: toml.config,
    manifest: json?.manifest ?? null,
    kind: json?.kind ?? 'function',
    modules,
    warnings: [...toml.issues.warnings, ...(json?.issues.warnings ?? [])],
  };
}
