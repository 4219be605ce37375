import { type App, createApp } from './app.js';
import { type BootstrapKeys, bootstrap } from './bootstrap.js';
import type { WorkerLink } from './cluster/link.js';
import type { Config } from './config.js';
import { type Database, openDatabase, tables } from './db/database.js';
import { collectMigrations } from './db/migrations.js';
import { type Authenticate, createAuthenticator } from './http/auth/credentials.js';
import { createIdempotency } from './http/idempotency/index.js';
import { idempotencyMigrations } from './http/idempotency/migrations.js';
import type { IdempotencyTables } from './http/idempotency/store.js';
import { addErrorCodes } from './http/problem.js';
import { type LoadedSpec, loadSpec } from './http/spec.js';
import { createLogger, type Logger } from './lib/logger.js';
import { isClosable, type Module } from './modules/module.js';
import { modules as registered } from './modules/registry.js';
import {
  type Bus,
  combineBuses,
  createClusterBus,
  createLocalBus,
  currentNodeId,
} from './services/bus/index.js';
import { randomNodeId } from './services/bus/node-id.js';
import {
  createClusterRateLimiter,
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
} from './services/rate-limit/index.js';
import { createStreamRegistry, migrations as streamMigrations } from './services/streams/index.js';
import { createVault, loadMasterKeys, type VaultTables, vaultMigrations } from './services/vault/index.js';
import type { CoreServices, Services } from './services.js';

/** A booted platform, not yet listening: the app, its services, and the bootstrap keys. */
export interface Platform {
  app: App;
  services: Services;
  spec: LoadedSpec;
  modules: readonly Module[];
  keys: BootstrapKeys | null;
  /** Which of `keys` are no longer valid (rotated since keys.json was written). */
  staleKeys: Array<keyof BootstrapKeys>;
  firstStart: boolean;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** The modules to serve; the registry by default. Tests add fixture modules. */
  modules?: readonly Module[];
  /** In multi-process mode: this worker's number and its link to the primary. */
  worker?: { id: number; link: WorkerLink };
  /** Skip migrations and the first-start bootstrap (a worker whose primary did both). */
  prepared?: boolean;
}

/** The core's own migrations: the idempotency replay store, the vault's data keys, open streams. */
const CORE_MIGRATIONS = [
  { name: 'idempotency', migrations: idempotencyMigrations },
  { name: 'vault', migrations: vaultMigrations },
  { name: 'streams', migrations: streamMigrations },
];

/** Every migration of the core and of `modules`. */
export function migrationsOf(modules: readonly Module[]) {
  return collectMigrations([...CORE_MIGRATIONS, ...modules]);
}

async function crossNodeBus(config: Config, logger: Logger, nodeId: string): Promise<Bus | null> {
  const onError = (msg: string, fields: Record<string, unknown>) => logger.error(msg, fields);
  if (config.redisUrl) {
    return (await import('./services/bus/redis.js')).createRedisBus({
      url: config.redisUrl,
      nodeId,
      onError,
    });
  }
  if (config.databaseUrl) {
    return (await import('./services/bus/postgres.js')).createPostgresBus({
      url: config.databaseUrl,
      nodeId,
      onError,
    });
  }
  return null;
}

async function createBus(config: Config, logger: Logger, worker: PlatformOptions['worker']): Promise<Bus> {
  const onError = (msg: string, fields: Record<string, unknown>) => logger.error(msg, fields);
  // The workers of one node share its id (from the primary); a single-process platform is a node
  // of its own, even when a test runs several in one process.
  const nodeId = worker ? currentNodeId() : randomNodeId();
  const local = worker
    ? await createClusterBus({ link: worker.link, nodeId, onError })
    : createLocalBus({ nodeId, onError });
  const remote = await crossNodeBus(config, logger, nodeId);
  return remote ? combineBuses(local, remote) : local;
}

function createRateLimiter(config: Config, logger: Logger, worker: PlatformOptions['worker']): RateLimiter {
  if (config.redisUrl) {
    return createRedisRateLimiter({
      redis: config.redisUrl,
      onError: (msg, fields) => logger.error(msg, fields),
    });
  }
  return worker ? createClusterRateLimiter({ link: worker.link }) : createMemoryRateLimiter();
}

/** Boot: config → stores → core services → modules → app. Listening is the caller's business. */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const modules = options.modules ?? registered;
  const fragments = modules.flatMap((m) => (m.spec ? [{ name: m.name, document: m.spec }] : []));
  for (const fragment of fragments) {
    addErrorCodes(fragment.document['x-aerostack-error-codes'] as Parameters<typeof addErrorCodes>[0]);
  }
  const spec = loadSpec(fragments);
  const logger = createLogger(config.logLevel);
  const masterKeys = loadMasterKeys({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    env: config.masterKeys ? { AEROSTACK_MASTER_KEYS: config.masterKeys } : {},
  });
  const database: Database = await openDatabase({
    ...config,
    migrations: options.prepared ? null : migrationsOf(modules),
    onIdleError: (error) => logger.error('database connection lost', { error: error.message }),
  });
  const opened: Array<{ close(): unknown }> = [database];
  try {
    const bus = await createBus(config, logger, options.worker);
    opened.push(bus);
    const rateLimiter = createRateLimiter(config, logger, options.worker);
    opened.push(rateLimiter);
    const streams = createStreamRegistry(database, logger);
    opened.push(streams);
    const core: Omit<CoreServices, 'authenticate'> = {
      config,
      logger,
      database,
      bus,
      vault: createVault({ db: tables<VaultTables>(database), masterKeys }),
      rateLimiter,
      streams,
      workerId: options.worker?.id ?? null,
      modules,
    };
    const services = core as Services;
    // Filled below, once every module has contributed its credential checkers.
    let authenticate: Authenticate = async () => {
      throw new Error('authenticate used before the platform finished booting');
    };
    services.authenticate = (authorization, schemes) => authenticate(authorization, schemes);
    for (const module of modules) {
      if (!module.create) continue;
      const service = await module.create(services);
      (services as unknown as Record<string, unknown>)[module.name] = service;
      if (isClosable(service)) opened.push(service);
    }
    authenticate = createAuthenticator(modules.flatMap((m) => m.credentials?.(services) ?? []));
    const idempotency = createIdempotency(tables<IdempotencyTables>(database), core.vault);
    const app = createApp({ services, spec, modules, authenticate: services.authenticate, idempotency });
    const boot = await bootstrap(services, { create: !options.prepared });

    return {
      app,
      services,
      spec,
      modules,
      keys: boot.keys,
      staleKeys: boot.stale,
      firstStart: boot.created,
      async close() {
        for (const resource of opened.reverse()) await resource.close();
        await logger.flush();
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await Promise.resolve(resource.close()).catch(() => {});
    throw error;
  }
}
