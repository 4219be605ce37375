import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

/** A platform command running as its own process tree (one process, or a primary and workers). */
export interface PlatformProcess {
  url: string;
  output(): string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/**
 * Runs `entry` (a TypeScript entry such as src/main.ts) under tsx and waits for its banner, 30 s
 * by default: a primary and its workers each compile the platform under tsx, which on a loaded
 * two-core machine can take longer (`bannerTimeoutMs`).
 */
export async function spawnPlatform(
  entry: string,
  env: Record<string, string>,
  { bannerTimeoutMs = 90_000 }: { bannerTimeoutMs?: number } = {},
): Promise<PlatformProcess> {
  const child = spawn(join(import.meta.dirname, '../../node_modules/.bin/tsx'), [entry], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner after ${bannerTimeoutMs / 1000} s:\n${out}`)),
      bannerTimeoutMs,
    );
    const check = () => {
      if (/Publishable key.*\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
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

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive), so a cluster's primary hands it to the next worker. */
export function fresh(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
