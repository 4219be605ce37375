import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { FieldProblem } from '@aerostack/core';
import { layoutError } from './deploy-files';
import { type ProjectSpec, projectFiles, type ScaffoldBinding } from './scaffold-templates';

export type { ScaffoldBinding } from './scaffold-templates';

// Scaffolding a seed-004 project (decision 0055): what `aerostack mcp init` does, with no
// platform. The future `@aerostack/mcp-server` "scaffold" tool and a CLI call this.

/** What a project starts as: an MCP server, a function (HTTP handler) or a skill (one tool). */
export type ScaffoldTemplate = 'mcp-server' | 'function' | 'skill';

export interface ScaffoldOptions {
  template: ScaffoldTemplate;
  /** The worker's name (`aerostack.toml` `name`, and `aerostack.json` `name`): a DNS label. */
  name: string;
  /** The catalogue slug (`aerostack.json` `slug`); defaults to `name`. */
  slug?: string;
  /** `aerostack.json` `description`, at most 500 characters. */
  description?: string;
  /** The stores to declare in `aerostack.toml` (each also in `interface Env`). */
  bindings?: readonly ScaffoldBinding[];
  /**
   * Secret names (`API_TOKEN`): listed in `aerostack.json` `secrets` and as empty `[vars]`, the
   * first being the primary credential. An MCP server or skill receives a workspace's values as
   * `X-Mcp-Secret-<NAME>` headers; a function receives the project's secrets in `env`.
   */
  secrets?: readonly string[];
}

/** One file of a scaffolded project: its path relative to the project, `/`-separated. */
export interface ScaffoldFile {
  path: string;
  content: string;
}

/**
 * The platform's rule for worker names and slugs (`WorkerName` in the spec, `WORKER_NAME` in the
 * platform's layout validation): a DNS label. A test holds this copy to the platform's.
 *
 * @example
 * if (!WORKER_NAME_PATTERN.test(answer)) console.error('Use lower-case letters, digits and hyphens.');
 */
export const WORKER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * The platform's rule for secret names (`SECRET_NAME` in its layout validation); tested alike.
 *
 * @example
 * const secrets = input.split(',').map((s) => s.trim()).filter((s) => SECRET_NAME_PATTERN.test(s));
 */
export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

const TEMPLATES: readonly ScaffoldTemplate[] = ['mcp-server', 'function', 'skill'];
const BINDINGS: readonly ScaffoldBinding[] = ['db', 'cache', 'storage', 'queue', 'ai', 'vector'];
const DEFAULT_DESCRIPTION: Record<ScaffoldTemplate, string> = {
  'mcp-server': 'An MCP server hosted on Aerostack.',
  function: 'A function hosted on Aerostack.',
  skill: 'Counts the characters and words of a text.',
};

const DNS_LABEL = 'must be lower-case letters, digits and inner hyphens, at most 63 characters';

/** Each problem of a list option, located as `options.secrets[1]`. */
function listProblems<T>(
  key: string,
  values: readonly T[],
  isValid: (value: T) => boolean,
  expect: string,
): FieldProblem[] {
  const seen = new Set<T>();
  return values.flatMap((value, i) => {
    const location = `options.${key}[${i}]`;
    if (!isValid(value)) return [{ location, message: `${JSON.stringify(value)} ${expect}.` }];
    if (seen.has(value)) return [{ location, message: `${JSON.stringify(value)} is listed twice.` }];
    seen.add(value);
    return [];
  });
}

/**
 * Validates the options by the platform's rules, so a scaffolded project deploys: every problem at
 * once, as the `hosting/layout-invalid` a deploy of the same names would answer (status 0).
 */
function specOf(options: ScaffoldOptions): ProjectSpec {
  const { template, name } = options;
  const slug = options.slug ?? name;
  const description = options.description ?? DEFAULT_DESCRIPTION[template] ?? '';
  const bindings = options.bindings ?? [];
  const secrets = options.secrets ?? [];
  const problems: FieldProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ location: `options.${key}`, message });
  if (!TEMPLATES.includes(template)) problem('template', `must be one of ${TEMPLATES.join(', ')}.`);
  if (typeof name !== 'string' || !WORKER_NAME_PATTERN.test(name)) problem('name', `${DNS_LABEL}.`);
  if (typeof slug !== 'string' || !WORKER_NAME_PATTERN.test(slug)) problem('slug', `${DNS_LABEL}.`);
  if (typeof description !== 'string' || description.length > 500) {
    problem('description', 'must be text of at most 500 characters.');
  }
  problems.push(
    ...listProblems(
      'bindings',
      bindings,
      (b) => BINDINGS.includes(b),
      `is not one of ${BINDINGS.join(', ')}`,
    ),
    ...listProblems(
      'secrets',
      secrets,
      (s) => typeof s === 'string' && SECRET_NAME_PATTERN.test(s),
      'must be upper-case letters, digits and underscores, starting with a letter',
    ),
  );
  if (problems.length > 0) throw layoutError(problems);
  return { template, name, slug, description, bindings, secrets };
}

/**
 * The files of a new project (seed 004's layout), without writing anything: for a caller that
 * shows or sends them rather than writing a directory. Rejects like `scaffoldProject`.
 *
 * @example
 * const files = scaffoldFiles({ template: 'skill', name: 'word-count' });
 * for (const { path, content } of files) console.log(`--- ${path}\n${content}`);
 */
export function scaffoldFiles(options: ScaffoldOptions): ScaffoldFile[] {
  return projectFiles(specOf(options));
}

/** Refuses a directory that exists with anything in it; a missing one is made. */
async function ensureEmpty(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) {
    const error = new Error(
      `${dir} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}): a project is scaffolded into a new or empty directory, and nothing was written.`,
    );
    throw Object.assign(error, { code: 'ENOTEMPTY', path: dir });
  }
}

/**
 * Writes a new hosted-code project into `dir` (seed 004's layout: `src/index.ts`,
 * `aerostack.json`, `aerostack.toml`, `package.json`, `tsconfig.json`, `README.md`), ready for
 * `npm install` and `admin.hosting.deploy(projectId, dir)`. Templates: `mcp-server` (the official
 * MCP SDK's `McpServer`, stateless Streamable HTTP at `/mcp`), `function` (an HTTP handler) and
 * `skill` (one tool declared in `aerostack.json`, answered by `src/index.ts`).
 *
 * Names are checked by the platform's rules first (`hosting/layout-invalid`, status 0, each
 * problem located as `options.name`); a `dir` that exists and is not empty is refused (an
 * `Error` with `code: 'ENOTEMPTY'`). In both cases nothing is written. Resolves the paths
 * written, relative to `dir`.
 *
 * @example
 * const files = await scaffoldProject('./orders', {
 *   template: 'mcp-server',
 *   name: 'orders',
 *   bindings: ['db', 'cache', 'storage'],
 *   secrets: ['ORDERS_TOKEN'],
 * });
 * // ['src/index.ts', 'aerostack.json', 'aerostack.toml', 'package.json', 'tsconfig.json', 'README.md', '.gitignore']
 * await admin.hosting.deploy(projectId, './orders'); // after `npm install`
 */
export async function scaffoldProject(dir: string, options: ScaffoldOptions): Promise<string[]> {
  const files = scaffoldFiles(options);
  const root = resolve(dir);
  await ensureEmpty(root);
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    // `wx`: a file that appeared since the check is never overwritten.
    await writeFile(path, file.content, { flag: 'wx' });
  }
  return files.map((f) => f.path);
}
