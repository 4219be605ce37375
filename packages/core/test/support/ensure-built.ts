import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const OUTPUTS = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];
const INPUTS = ['src', 'tsup.config.ts', 'package.json'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function oldestOutput(dir: string): number {
  try {
    return Math.min(...OUTPUTS.map((file) => statSync(join(dir, file)).mtimeMs));
  } catch {
    return 0;
  }
}

function isFresh(dir: string): boolean {
  return oldestOutput(dir) >= Math.max(...INPUTS.map((input) => newestMtime(join(dir, input))));
}

/** Holds a cross-process lock (a directory) while `fn` runs, so parallel test projects build once. */
async function withLock<T>(name: string, fn: () => T): Promise<T> {
  const lock = join(tmpdir(), `aerostack-build-${name}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the package in `dir` with its own `build` script unless `dist` is newer than every
 * source file, so the dist tests run standalone and after `pnpm build` alike.
 */
export async function ensureBuilt(dir: string): Promise<void> {
  if (isFresh(dir)) return;
  await withLock(basename(dir), () => {
    if (!isFresh(dir)) execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
  });
}
