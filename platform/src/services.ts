import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Authenticate } from './http/auth/credentials.js';
import type { Logger } from './lib/logger.js';
import type { Module } from './modules/module.js';
import type { Bus } from './services/bus/index.js';
import type { RateLimiter } from './services/rate-limit/index.js';
import type { StreamRegistry } from './services/streams/index.js';
import type { Vault } from './services/vault/index.js';

/** What the platform itself provides to every module: built once at boot, closed once at shutdown. */
export interface CoreServices {
  config: Config;
  logger: Logger;
  database: Database;
  /** Events between workers and nodes (key revocation now; realtime and the gateway next). */
  bus: Bus;
  /** Envelope encryption for secrets at rest. */
  vault: Vault;
  /** Per-key rate limits shared by every worker (and node, with Redis). */
  rateLimiter: RateLimiter;
  /** The long-lived event streams open on every worker and node, for caps across all of them. */
  streams: StreamRegistry;
  /**
   * Checks an `Authorization` header against the credential table for the given security schemes
   * (set once every module has contributed its rows; endpoints outside the spec use it).
   */
  authenticate: Authenticate;
  /** This process's worker number in multi-process mode; null when the platform runs as one process. */
  workerId: number | null;
  /** The modules served, in registry order (deleting a project asks each to clean up; decision 0048). */
  modules: readonly Module[];
}

/**
 * The services modules add, keyed by module name. Each module declares its own entry from its
 * folder (declaration merging), so registering a module touches nothing outside it:
 *
 * ```ts
 * declare module '../../services.js' {
 *   interface ModuleServices { cache: CacheStore }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by each module through declaration merging.
export interface ModuleServices {}

/** Everything handlers reach. */
export type Services = CoreServices & ModuleServices;
