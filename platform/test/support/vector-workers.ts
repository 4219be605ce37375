import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PlatformProcess } from './process.js';

/**
 * `src/main.ts` under tsx with AEROSTACK_WORKERS workers, like `spawnPlatform` but waiting up to
 * two minutes for the banner: a primary and two workers each compile the platform under tsx, which
 * on a loaded two-core machine takes longer than the 30 s `spawnPlatform` allows.
 */
export async function spawnWorkers(env: Record<string, string>): Promise<PlatformProcess> {
  const child = spawn(
    join(import.meta.dirname, '../../node_modules/.bin/tsx'),
    [join(import.meta.dirname, '../../src/main.ts')],
    {
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 120 s:\n${out}`)), 120_000);
    child.stdout?.on('data', () => {
      if (/Publishable key.*\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`exited before its banner:\n${out}`)));
  });
  const url = /API URL\s+(http:\/\/\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`no URL in:\n${out}`);
  return {
    url,
    child,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
