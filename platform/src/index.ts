import { mkdirSync } from 'node:fs';
import { loadConfig } from './config.js';
import { listen } from './server.js';

// This is the public API of @aerostack/platform (used by tests and embedders).
export { createApp } from './app.js';
export { type Config, loadConfig } from './config.js';
export { createPlatform, type Platform } from './platform.js';
export { listen, type Server } from './server.js';

export interface StartOptions {
  dataDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** No request log (the default). */
  quiet?: boolean;
  /** Check every response against the spec, a mismatch being a 500 (default true: this is for tests). */
  validateResponses?: boolean;
}

export interface RunningPlatform {
  url: string;
  accountKey: string;
  projectId: string;
  secretKey: string;
  publishableKey: string;
  close(): Promise<void>;
}

/** Starts a platform on a fresh or existing data directory, for tests and embedding. */
export async function startPlatform(options: StartOptions): Promise<RunningPlatform> {
  mkdirSync(options.dataDir, { recursive: true });
  const config = {
    ...loadConfig({}),
    dataDir: options.dataDir,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    databaseUrl: options.databaseUrl ?? null,
    redisUrl: options.redisUrl ?? null,
    logLevel: options.quiet === false ? ('info' as const) : ('error' as const),
    validateResponses: options.validateResponses ?? true,
  };
  const server = await listen(config);
  const keys = server.platform.keys;
  if (!keys) {
    await server.close();
    throw new Error(`no keys.json in ${options.dataDir}: start from a fresh data directory`);
  }
  return { url: server.url, ...keys, close: () => server.close(1_000) };
}
