// Bundles the platform to dist/ so that `node platform/dist/main.js` serves with no tsx or pnpm
// process staying resident: src/main.ts (the server) and src/index.ts (the embedding API).
// Workspace packages (@aerostack/*, some of which export .ts) are bundled in; every other
// dependency stays external and resolves from node_modules as usual (better-sqlite3 is native).
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter(
  (name) => !name.startsWith('@aerostack/'),
);

const started = performance.now();
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });
try {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/main.ts', 'src/index.ts'],
    outdir: 'dist',
    // No code splitting: each entry is one self-contained file, so rebuilding under a running
    // server never removes a chunk it has yet to import. External packages stay lazy.
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
process.stdout.write(`platform/dist built in ${Math.round(performance.now() - started)} ms\n`);
