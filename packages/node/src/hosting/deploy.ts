import { stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FieldProblem } from '@aerostack/core';
import type { BuildFailure, Message, Plugin } from 'esbuild';
import type { DeploymentCreate, WorkerModule } from '../admin/hosting';
import { findMain, layoutError, type MainEntry, readOptional } from './deploy-files';

// `admin.hosting.deploy(projectId, dir)`: what `wrangler deploy` does before its upload. The
// platform never runs a bundler (decision 0050); this turns a seed-004 project directory into
// the body it takes.

/** Extensions esbuild bundles into the `.js` entry the platform looks for (`src/index.ts` → `src/index.js`). */
const TO_JS = /\.(ts|tsx|mts|cts|jsx|cjs)$/;

/** The name the bundled entry is uploaded as: `main` itself for `.js`/`.mjs`, else `main` as `.js`. */
function entryName(entry: MainEntry): string {
  const main = entry.main.replace(/^\.\//, '');
  if (/\.m?js$/.test(main)) return main;
  if (TO_JS.test(main)) return main.replace(TO_JS, '.js');
  throw layoutError([
    {
      location: `aerostack.toml:${entry.line}:1`,
      message: `\`main\` names ${entry.main}; it must be a .ts, .tsx, .mts, .cts, .js, .jsx, .mjs or .cjs file.`,
    },
  ]);
}

/** Checks that `main` is a file inside the project, so the bundle cannot start elsewhere. */
async function entryPath(dir: string, entry: MainEntry): Promise<string> {
  const path = resolve(dir, entry.main);
  const inside = relative(dir, path);
  const located = (message: string) => layoutError([{ location: `aerostack.toml:${entry.line}:1`, message }]);
  if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw located(`\`main\` names ${entry.main}, which is outside the project directory.`);
  }
  const found = await stat(path).catch(() => null);
  if (!found?.isFile()) throw located(`\`main\` names ${entry.main}, which is not a file in ${dir}.`);
  return path;
}

/** An esbuild message as a located problem: `src/index.ts:3:7`, relative to the project. */
function problemOf(message: Message): FieldProblem {
  const at = message.location;
  const location = at ? `${at.file.split(sep).join('/')}:${at.line}:${at.column + 1}` : 'bundle';
  return { location, message: message.text };
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

const NODE_BUILTINS = new Set(builtinModules);
const RESOLVING_OWN = Symbol("resolving the project's own package");

/**
 * A bare Node built-in (`buffer`, `fs/promises`) that the project does not install itself is
 * workerd's `node:` module (present with `nodejs_compat`), as wrangler resolves it; a polyfill
 * package the project does install (npm's `events`, `buffer`) is bundled as before.
 */
const nodeBuiltins: Plugin = {
  name: 'aerostack-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z_]+(\/[a-z_]+)?$/ }, async (args) => {
      if (!NODE_BUILTINS.has(args.path) || args.pluginData === RESOLVING_OWN) return undefined;
      const own = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING_OWN,
      });
      return own.errors.length === 0 ? undefined : { path: `node:${args.path}`, external: true };
    });
  },
};

/**
 * Bundles `main` into one ES module as wrangler does for workerd: its `workerd`/`worker`/
 * `browser` exports and main fields, the project's own `node_modules`, `cloudflare:*`, `node:*`
 * and bare Node built-ins it does not install left to the runtime, `process.env.NODE_ENV` as
 * `"production"`.
 */
async function bundle(dir: string, entry: MainEntry): Promise<WorkerModule> {
  const name = entryName(entry);
  const path = await entryPath(dir, entry);
  // Loaded here so that clients which never deploy do not load esbuild.
  const { build } = await import('esbuild');
  try {
    const result = await build({
      absWorkingDir: dir,
      entryPoints: [path],
      // Never written (write: false); a path apart from the sources so esbuild never sees the
      // output as one of its inputs.
      outfile: join(dir, '.aerostack', 'bundle', name),
      write: false,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      external: ['cloudflare:*', 'node:*'],
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [nodeBuiltins],
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    return { name, content: output?.text ?? '' };
  } catch (error) {
    if (isBuildFailure(error) && error.errors.length > 0) throw layoutError(error.errors.map(problemOf));
    throw error;
  }
}

/**
 * Reads a project directory (seed 004: `aerostack.toml`, optional `aerostack.json`, the code
 * under `main`) into a deployment body, `main` bundled. A missing `aerostack.toml`, a `main`
 * that names no file, or code esbuild cannot bundle rejects with `hosting/layout-invalid`
 * (status 0), its `errors[]` located like the platform's; the rest of both files is validated
 * by the platform, whose located errors pass through unchanged.
 */
export async function readProject(directory: string): Promise<DeploymentCreate> {
  const dir = resolve(directory);
  const [aerostackToml, aerostackJson] = await Promise.all([
    readOptional(dir, 'aerostack.toml'),
    readOptional(dir, 'aerostack.json'),
  ]);
  if (aerostackToml === undefined) {
    throw layoutError([
      {
        location: 'aerostack.toml',
        message: `Not found in ${dir}: a project names its worker and its entry (\`main\`) there.`,
      },
    ]);
  }
  const bundled = await bundle(dir, findMain(aerostackToml));
  return { aerostackToml, ...(aerostackJson === undefined ? {} : { aerostackJson }), modules: [bundled] };
}
