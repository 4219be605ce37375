// Bundles the platform to dist/ so that `node platform/dist/main.js` serves with no tsx or pnpm
// process staying resident: src/main.ts (the server) and src/index.ts (the embedding API).
// Workspace packages (@aerostack/*, some of which export .ts) are bundled in; every other
// dependency stays external and resolves from node_modules as usual (better-sqlite3 is native).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// buildSync without worker threads runs esbuild as a plain synchronous child process, reaped
// before we go on: the async API leaves its service process to exit after us, an orphan (a zombie
// under an init that does not reap) in the process group of whatever starts the platform next.
process.env.ESBUILD_WORKER_THREADS = '0';
const { buildSync } = await import('esbuild');

const root = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter(
  (name) => !name.startsWith('@aerostack/'),
);

const started = performance.now();
let result;
try {
  result = buildSync({
    absWorkingDir: root,
    entryPoints: ['src/main.ts', 'src/index.ts'],
    outdir: 'dist',
    // Splitting keeps `await import('./x.js')` lazy: x becomes a chunk loaded on first use, with
    // the packages it imports (ioredis, pg…), instead of being hoisted into main.js.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external,
    logLevel: 'warning',
  });
} catch {
  process.exit(1); // esbuild has printed the errors
}

// A server started from an earlier build may still import its chunks (they are content-hashed,
// so a rebuild only adds files): remove the ones this build did not write once they are a day old.
const chunks = join(root, 'dist', 'chunks');
const written = new Set(Object.keys(result.metafile.outputs).map((file) => resolve(root, file)));
for (const name of existsSync(chunks) ? readdirSync(chunks) : []) {
  const file = join(chunks, name);
  if (!written.has(file) && Date.now() - statSync(file).mtimeMs > 86_400_000) rmSync(file);
}
process.stdout.write(`platform/dist built in ${Math.round(performance.now() - started)} ms\n`);
