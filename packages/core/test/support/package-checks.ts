// Checks of a built package, shared by the dist tests of every client package.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const require = createRequire(import.meta.url);
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What the built ESM and CJS entries export, and whether errors cross between the two copies. */
export interface DistReport {
  esmExports: string[];
  cjsExports: string[];
  crossCopy: {
    sameClass: boolean;
    esmRecognisesCjsError: boolean;
    instanceOfAcrossCopies: boolean;
    code: string;
  };
}

/** Imports `dist/index.js` and requires `dist/index.cjs` in a fresh Node process. */
export function loadDist(dir: string): DistReport {
  return JSON.parse(run(process.execPath, [join(FIXTURES, 'load-dist.mjs'), dir], dir)) as DistReport;
}

/** Module specifiers the file imports or requires that are Node built-ins (`node:fs`, `fs`, …). */
export function nodeBuiltinImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g;
  const builtins = new Set(builtinModules);
  return [...source.matchAll(pattern)]
    .map((match) => match[1] ?? '')
    .filter((specifier) => specifier.startsWith('node:') || builtins.has(specifier.split('/')[0] ?? ''));
}

/** The bare package specifiers a built file imports (its runtime dependencies). */
export function externalImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g;
  return [...new Set([...source.matchAll(pattern)].map((match) => match[1] ?? ''))].sort();
}

/**
 * Minified + gzipped size in bytes of the ESM entry bundled for browsers with its dependencies:
 * all of it, or only what a consumer importing `names` keeps after tree-shaking.
 */
export async function browserBundleGzipBytes(dir: string, names?: string[]): Promise<number> {
  const entry = join(dir, 'dist/index.js');
  const source = names && `export { ${names.join(', ')} } from ${JSON.stringify(entry)};`;
  const result = await build({
    ...(source ? { stdin: { contents: source, resolveDir: dir } } : { entryPoints: [entry] }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array()).length;
}

/** publint's errors and warnings, formatted; empty when the package is clean. */
export async function publintProblems(dir: string): Promise<string[]> {
  const { messages, pkg } = await publint({ pkgDir: dir, level: 'warning', strict: true });
  return messages.map((message) => `${message.type}: ${formatMessage(message, pkg)}`);
}

/** @arethetypeswrong's problems for the packed package (packs locally; no network). */
export function attwProblems(dir: string): unknown[] {
  const bin = join(dir, 'node_modules/.bin/attw');
  let output: string;
  try {
    output = run(bin, ['--pack', '.', '--format', 'json'], dir);
  } catch (error) {
    // attw exits 1 when it finds problems; the JSON report is still on stdout.
    output = (error as { stdout?: string }).stdout ?? '';
  }
  const report = JSON.parse(output) as { analysis: { problems?: unknown[] } };
  return report.analysis.problems ?? [];
}

/** Type-checks a consumer project against the emitted .d.ts; returns tsc's output ('' when clean). */
export function typecheckConsumer(tsconfig: string): string {
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    run(process.execPath, [tsc, '-p', tsconfig], FIXTURES);
    return '';
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}` || String(error);
  }
}
