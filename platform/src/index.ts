import { mkdirSync } from 'node:fs';
import { loadConfig } from './config.js';
import type { Module } from './modules/module.js';
import { listen, urlOf } from './server.js';

// This is the public API of @aerostack/platform (used by tests, benchmarks and embedders).
export { createApp } from './app.js';
export { type Config, loadConfig } from './config.js';
export type { LooseHandler, LooseReply } from './http/handler.js';
export type { ByteSource } from './http/reply/bytes.js';
export type { SseEvent } from './http/reply/events.js';
export { defineModule, type Module } from './modules/module.js';
export { modules } from './modules/registry.js';
export { createPlatform, type Platform, type PlatformOptions } from './platform.js';
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
  /** The vault's master keys (`1:<base64>`); required with `databaseUrl`. */
  masterKeys?: string;
  /** The modules to serve (default: the registry); tests add fixture modules. */
  modules?: readonly Module[];
  /** Milliseconds between event-stream heartbeats. */
  heartbeatMs?: number;
  /** Settings as environment variables (`AEROSTACK_AUTH_ACCESS_TTL_SECONDS`…), read like the process environment. */
  env?: Record<string, string>;
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
  const loaded = loadConfig(options.env ?? {});
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const config = {
    ...loaded,
    dataDir: options.dataDir,
    port,
    host,
    // Unless the environment names one, the public URL is where this server listens.
    publicUrl: options.env?.AEROSTACK_PUBLIC_URL ? loaded.publicUrl : urlOf(host, port),
    databaseUrl: options.databaseUrl ?? null,
    redisUrl: options.redisUrl ?? null,
    masterKeys: options.masterKeys ?? null,
    logLevel: options.quiet === false ? ('info' as const) : ('error' as const),
    validateResponses: options.validateResponses ?? true,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  };
  const server = await listen(config, options.modules ? { modules: options.modules } : {});
  const keys = server.platform.keys;
  if (!keys) {
    await server.close();
    throw new Error(`no keys.json in ${options.dataDir}: start from a fresh data directory`);
  }
  return { url: server.url, ...keys, close: () => server.close(1_000) };
}
