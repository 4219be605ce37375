import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** Every setting of the platform, read from the environment with embedded defaults. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL connection string; when absent the platform uses SQLite in `dataDir`. */
  databaseUrl: string | null;
  /** Redis connection string; when absent cache and counters live in the metadata database. */
  redisUrl: string | null;
  bodyLimitBytes: number;
  logLevel: LogLevel;
  /** Validate every response against the spec (tests turn this on; a mismatch is a 500). */
  validateResponses: boolean;
  /** Realtime: each channel's replay buffer, and how long an unrefreshed presence entry lasts. */
  realtime: RealtimeConfig;
  /**
   * The vault's master keys (`AEROSTACK_MASTER_KEYS`, `1:<base64>,2:<base64>`); required with
   * DATABASE_URL, else generated into the data directory on first start.
   */
  masterKeys: string | null;
  /** Milliseconds between heartbeat comments on event streams. */
  heartbeatMs: number;
  /** Serving processes: 1 runs in one process; more forks workers sharing the port and the stores. */
  workers: number;
}

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

export interface RealtimeConfig {
  /** The most recent messages each channel keeps for resume and history. */
  bufferCount: number;
  /** Messages older than this leave the replay buffer. */
  bufferSeconds: number;
  /** A presence entry neither refreshed nor bound to an open stream leaves after this. */
  presenceTtlSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: readonly string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use one of ${protocols.join(', ')}, got ${parsed.protocol}`);
  }
  return raw;
}

function workers(env: NodeJS.ProcessEnv, cores: number): number {
  if (env.AEROSTACK_WORKERS === 'auto') return Math.max(1, cores);
  return integer(env, 'AEROSTACK_WORKERS', 1, 1, 256);
}

/** Reads the configuration from `env`; throws `ConfigError` naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port: integer(env, 'PORT', 8787, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.AEROSTACK_DATA_DIR || '.aerostack'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    bodyLimitBytes: integer(env, 'AEROSTACK_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    logLevel,
    validateResponses: env.AEROSTACK_VALIDATE_RESPONSES === '1',
    realtime: {
      bufferCount: integer(env, 'AEROSTACK_REALTIME_BUFFER_COUNT', 1000, 1, 1_000_000),
      bufferSeconds: integer(env, 'AEROSTACK_REALTIME_BUFFER_SECONDS', 86_400, 1, 30 * 86_400),
      presenceTtlSeconds: integer(env, 'AEROSTACK_REALTIME_PRESENCE_TTL_SECONDS', 30, 1, 3_600),
    },
    masterKeys: env.AEROSTACK_MASTER_KEYS || null,
    heartbeatMs: integer(env, 'AEROSTACK_SSE_HEARTBEAT_MS', 15_000, 100, 300_000),
    workers: workers(env, cores),
  };
}
