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
  /** The URL users reach the platform at (`AEROSTACK_PUBLIC_URL`): token issuer, emailed links. */
  publicUrl: string;
  /**
   * The request header that carries the client's address when the platform sits behind a proxy
   * (`AEROSTACK_CLIENT_IP_HEADER`, e.g. `x-forwarded-for`: its first entry); null = the peer address.
   */
  clientIpHeader: string | null;
  /** End-user auth (module `auth`). */
  auth: AuthConfig;
  /** Project databases (module `db`). */
  db: DbConfig;
  /** The key/value cache (module `cache`). */
  cache: CacheConfig;
  /** Workspaces and the MCP gateway (modules `workspaces`, `analytics`, `gateway`). */
  gateway: GatewayConfig;
  /** Object storage (module `storage`). */
  storage: StorageConfig;
  /** Vector search (module `vector`). */
  vector: VectorConfig;
  /** AI chat and embeddings (module `ai`, decision 0041). */
  ai: AiConfig;
  /** The job queue (module `queue`, decisions 0039 and 0047). */
  queue: QueueConfig;
  /** Hosted code (module `hosting`, decisions 0049 and 0050). */
  hosting: HostingConfig;
}

/** Hosted code: `deploy` is the deployments API's (decision 0050); the runtime adds its own section. */
export interface HostingConfig {
  deploy: HostingDeployConfig;
  runtime: HostingRuntimeConfig;
  logs: HostingLogsConfig;
}

/** Invocation logs of hosted code (decision 0052). */
export interface HostingLogsConfig {
  /** The newest invocations kept per deployment (`AEROSTACK_HOSTING_LOGS_PER_DEPLOYMENT`, default 1000). */
  keepPerDeployment: number;
}

/** The limits deployed code runs under, per request, and its workerd processes (decision 0049). */
export interface HostingRuntimeConfig {
  /** CPU time one request may use (`AEROSTACK_HOSTING_CPU_MS`, default 30 s as Cloudflare's Standard plan). */
  cpuMs: number;
  /** Wall time one request may take before it answers (`AEROSTACK_HOSTING_WALL_MS`, default 15 min). */
  wallMs: number;
  /** What a project's workerd may grow by over its size at start (`AEROSTACK_HOSTING_MEMORY_MB`, default 128). */
  memoryBytes: number;
  /** Outbound fetches one request may make (`AEROSTACK_HOSTING_MAX_SUBREQUESTS`, default 1000). */
  maxSubrequests: number;
  /** A project's workerd stops after this long without requests (`AEROSTACK_HOSTING_IDLE_SECONDS`, default 10 min). */
  idleMs: number;
  /**
   * Hosts, addresses or CIDR ranges outbound fetches may reach although the SSRF guard would refuse
   * them (`AEROSTACK_HOSTING_ALLOW_HOSTS`, comma-separated).
   */
  allowHosts: string[];
}

export interface HostingDeployConfig {
  /** The most bytes of bundled code (UTF-8, all modules) one deployment holds (`AEROSTACK_HOSTING_MAX_BUNDLE_BYTES`). */
  maxBundleBytes: number;
  /** The most workers one project holds (`AEROSTACK_HOSTING_MAX_WORKERS`). */
  maxWorkers: number;
}

/**
 * How long finished jobs are kept, in seconds after they finished, per final status (decision
 * 0047); 0 keeps them for ever. A dead job can be redriven until it is removed.
 */
export interface QueueConfig {
  /** `AEROSTACK_QUEUE_KEEP_SUCCEEDED_SECONDS`, default 7 days. */
  keepSucceededSeconds: number;
  /** `AEROSTACK_QUEUE_KEEP_CANCELLED_SECONDS`, default 7 days. */
  keepCancelledSeconds: number;
  /** `AEROSTACK_QUEUE_KEEP_DEAD_SECONDS`, default 30 days. */
  keepDeadSeconds: number;
}

/** The AI providers the platform can use (`AEROSTACK_AI_PROVIDER`). */
export const AI_PROVIDERS = ['openai', 'anthropic', 'google', 'groq', 'openai-compatible', 'local'] as const;
export type AiProviderName = (typeof AI_PROVIDERS)[number];

export interface AiConfig {
  /** Which provider answers (`AEROSTACK_AI_PROVIDER`); null = none, and AI calls answer 503 `ai/no-provider`. */
  provider: AiProviderName | null;
  /** The provider's API key (`AEROSTACK_AI_API_KEY`): a secret, never logged or returned. */
  apiKey: string | null;
  /** The provider's API base URL (`AEROSTACK_AI_BASE_URL`); required for `openai-compatible`. */
  baseUrl: string | null;
  /** The chat model (`AEROSTACK_AI_CHAT_MODEL`); null = the provider's default. */
  chatModel: string | null;
  /** The embedding model (`AEROSTACK_AI_EMBEDDING_MODEL`); null = the provider's default, if it has one. */
  embeddingModel: string | null;
  /** The GGUF file of the `local` provider (`AEROSTACK_AI_LOCAL_MODEL`). */
  localModel: string;
  /** How long one provider call may take (`AEROSTACK_AI_TIMEOUT_MS`). */
  timeoutMs: number;
  /** AI requests per minute per signed-in end user (`AEROSTACK_AI_USER_RATE_LIMIT`). */
  userRequestsPerMinute: number;
}

/**
 * The operator's limits and the gateway's timing. A workspace may lower or raise its own limits
 * (account key); these are the defaults of every workspace that sets none.
 */
export interface GatewayConfig {
  /** Servers one workspace may register (`AEROSTACK_WORKSPACE_MAX_SERVERS`). */
  maxServers: number;
  /** `tools/call`s one workspace may make per calendar month, UTC (`AEROSTACK_WORKSPACE_CALLS_PER_MONTH`); 0 = no limit. */
  callsPerMonth: number;
  /** JSON-RPC requests per minute per workspace token (`AEROSTACK_GATEWAY_RATE_LIMIT`). */
  requestsPerMinute: number;
  /** How long `tools/list` (and resources, prompts) waits for each upstream (`AEROSTACK_GATEWAY_LIST_DEADLINE_MS`). */
  listDeadlineMs: number;
  /** How long one `tools/call` may take upstream (`AEROSTACK_GATEWAY_CALL_TIMEOUT_MS`). */
  callTimeoutMs: number;
  /**
   * Event streams one workspace token may hold open at once, on all workers and nodes together:
   * notification streams (GET) and legacy SSE sessions (`AEROSTACK_GATEWAY_MAX_STREAMS_PER_TOKEN`).
   */
  maxStreamsPerToken: number;
  /**
   * Hosts, addresses and CIDR ranges upstream URLs may point at although the SSRF guard would
   * refuse them (`AEROSTACK_GATEWAY_ALLOW_HOSTS`, comma-separated: `127.0.0.1,10.0.0.0/8,mcp.internal`).
   */
  allowHosts: string[];
}

export interface StorageConfig {
  /** Where the local object store keeps bytes (`AEROSTACK_STORAGE_DIR`); null = `<dataDir>/storage`. */
  dir: string | null;
  /** The largest object one upload may store (`AEROSTACK_STORAGE_MAX_OBJECT_BYTES`). */
  maxObjectBytes: number;
  /** Bytes one project may store in all (`AEROSTACK_STORAGE_QUOTA_BYTES`); 0 = no quota. */
  quotaBytes: number;
  /**
   * How often the orphan sweep runs, and once at boot (`AEROSTACK_STORAGE_SWEEP_INTERVAL_SECONDS`,
   * default 3600); 0 = never.
   */
  sweepIntervalSeconds: number;
  /**
   * How old a blob without an object, a temp file, an open multipart upload or an upload that
   * stopped reporting progress must be before the sweep removes it
   * (`AEROSTACK_STORAGE_ORPHAN_GRACE_SECONDS`, default 3600).
   */
  orphanGraceSeconds: number;
  /** An S3-compatible bucket instead of the local directory (`S3_*`); null = local directory. */
  s3: S3Config | null;
}

export interface S3Config {
  /** `S3_ENDPOINT`; null = AWS's endpoint for the region. */
  endpoint: string | null;
  bucket: string;
  region: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** `S3_FORCE_PATH_STYLE=1`: `endpoint/bucket/key` URLs (MinIO, versitygw) instead of virtual hosts. */
  forcePathStyle: boolean;
}

function s3(env: NodeJS.ProcessEnv): S3Config | null {
  const bucket = env.S3_BUCKET;
  if (bucket === undefined || bucket === '') {
    if (env.S3_ENDPOINT) throw new ConfigError('S3_ENDPOINT is set without S3_BUCKET');
    return null;
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID || null;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
  }
  return {
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    bucket,
    region: env.S3_REGION || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: env.S3_FORCE_PATH_STYLE === '1' || env.S3_FORCE_PATH_STYLE === 'true',
  };
}

export interface VectorConfig {
  /** The most vectors one upsert may write (`AEROSTACK_VECTOR_MAX_BATCH`). */
  maxBatch: number;
  /** The largest metadata object of one vector, in JSON bytes (`AEROSTACK_VECTOR_MAX_METADATA_BYTES`). */
  maxMetadataBytes: number;
  /**
   * PostgreSQL: `auto` uses pgvector when `CREATE EXTENSION vector` works, `off` always searches
   * exactly (`AEROSTACK_VECTOR_PGVECTOR`). An index keeps the engine it was created with.
   */
  pgvector: 'auto' | 'off';
}

export interface CacheConfig {
  /** The largest value one entry may hold, in bytes of its JSON text (`AEROSTACK_CACHE_MAX_VALUE_BYTES`). */
  maxValueBytes: number;
}

export interface DbConfig {
  /** How long one request's SQL may run before it is stopped (`AEROSTACK_DB_TIMEOUT_MS`). */
  timeoutMs: number;
  /** The most rows one request returns (`AEROSTACK_DB_MAX_ROWS`). */
  maxRows: number;
  /** The largest result one request returns, in JSON bytes (`AEROSTACK_DB_MAX_RESPONSE_BYTES`). */
  maxResponseBytes: number;
  /** SQLite: how long an idle project's database process stays up (`AEROSTACK_DB_IDLE_MS`). */
  idleMs: number;
}

export interface AuthConfig {
  /** Lifetime of access tokens (`AEROSTACK_AUTH_ACCESS_TTL_SECONDS`). */
  accessTtlSeconds: number;
  /** A session ends when its refresh token has not been used for this long. */
  refreshTtlSeconds: number;
  /** How long a used refresh token still returns the same successor (a retried refresh). */
  refreshGraceSeconds: number;
  /** scrypt cost for new password hashes (`AEROSTACK_AUTH_SCRYPT=N:r:p`); stored with each hash. */
  scrypt: { N: number; r: number; p: number };
  /** `smtp://` / `smtps://` server for auth emails; null keeps them in the outbox. */
  smtpUrl: string | null;
  /** The sender of auth emails. */
  smtpFrom: string;
  /** URL prefixes emailed links may point at, besides `publicUrl`. */
  redirectUrls: string[];
  /**
   * Whether OpenID Connect issuers may be plain `http://` URLs (`AEROSTACK_AUTH_OIDC_ALLOW_HTTP=1`):
   * for a provider on the same machine or in tests, never across a network. Absent = no.
   */
  oidcAllowHttp?: boolean;
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
  /**
   * A stream ends this long after it opened (the client resumes losslessly with Last-Event-ID), so
   * a revoked key or an expired token stops receiving within this bound.
   */
  streamMaxSeconds: number;
  /**
   * Messages an end user (a session, or a publishable key alone: per client IP) may publish per
   * minute; secret keys are not limited.
   */
  userPublishPerMinute: number;
  /**
   * Streams an end user (a session, or a publishable key alone: per client IP) may hold open in a
   * project at once, on every worker and node together (`AEROSTACK_REALTIME_MAX_STREAMS_PER_CLIENT`);
   * secret keys are not limited.
   */
  maxStreamsPerClient: number;
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

function scrypt(env: NodeJS.ProcessEnv): AuthConfig['scrypt'] {
  const raw = env.AEROSTACK_AUTH_SCRYPT;
  if (raw === undefined || raw === '') return { N: 2 ** 15, r: 8, p: 1 };
  const match = /^(\d+):(\d+):(\d+)$/.exec(raw);
  const [N, r, p] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  // N a power of two ≥ 2 (scrypt's own rule); memory 128·N·r bytes stays under 1 GiB.
  if (!match || N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || p > 16 || 128 * N * r > 2 ** 30) {
    throw new ConfigError(`AEROSTACK_AUTH_SCRYPT must be N:r:p with N a power of two, got "${raw}"`);
  }
  return { N, r, p };
}

function urlList(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return [];
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    // Any scheme: a mobile app's deep link (`myapp://auth`) is a fine place for a link to point.
    if (!URL.canParse(value)) {
      throw new ConfigError(`${name} must be a comma-separated list of URLs, got "${value}"`);
    }
    return value;
  });
}

function aiProvider(env: NodeJS.ProcessEnv): AiProviderName | null {
  const raw = env.AEROSTACK_AI_PROVIDER?.trim();
  if (raw === undefined || raw === '') return null;
  if (!(AI_PROVIDERS as readonly string[]).includes(raw)) {
    throw new ConfigError(`AEROSTACK_AI_PROVIDER must be one of ${AI_PROVIDERS.join(', ')}, got "${raw}"`);
  }
  if (raw === 'openai-compatible' && !env.AEROSTACK_AI_BASE_URL) {
    throw new ConfigError('AEROSTACK_AI_PROVIDER=openai-compatible needs AEROSTACK_AI_BASE_URL');
  }
  if (raw === 'openai-compatible' && !env.AEROSTACK_AI_CHAT_MODEL) {
    throw new ConfigError('AEROSTACK_AI_PROVIDER=openai-compatible needs AEROSTACK_AI_CHAT_MODEL');
  }
  return raw as AiProviderName;
}

function workers(env: NodeJS.ProcessEnv, cores: number): number {
  if (env.AEROSTACK_WORKERS === 'auto') return Math.max(1, cores);
  return integer(env, 'AEROSTACK_WORKERS', 1, 1, 256);
}

function pgvectorMode(env: NodeJS.ProcessEnv): VectorConfig['pgvector'] {
  const raw = env.AEROSTACK_VECTOR_PGVECTOR || 'auto';
  if (raw !== 'auto' && raw !== 'off') {
    throw new ConfigError(`AEROSTACK_VECTOR_PGVECTOR must be auto or off, got "${raw}"`);
  }
  return raw;
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
      streamMaxSeconds: integer(env, 'AEROSTACK_REALTIME_STREAM_MAX_SECONDS', 900, 1, 86_400),
      userPublishPerMinute: integer(env, 'AEROSTACK_REALTIME_USER_PUBLISH_PER_MINUTE', 600, 1, 1_000_000),
      maxStreamsPerClient: integer(env, 'AEROSTACK_REALTIME_MAX_STREAMS_PER_CLIENT', 100, 1, 1_000_000),
    },
    masterKeys: env.AEROSTACK_MASTER_KEYS || null,
    heartbeatMs: integer(env, 'AEROSTACK_SSE_HEARTBEAT_MS', 15_000, 100, 300_000),
    workers: workers(env, cores),
    publicUrl: (
      url(env, 'AEROSTACK_PUBLIC_URL', ['http:', 'https:']) ??
      `http://${env.HOST || '127.0.0.1'}:${integer(env, 'PORT', 8787, 0, 65535)}`
    ).replace(/\/+$/, ''),
    clientIpHeader: env.AEROSTACK_CLIENT_IP_HEADER?.trim().toLowerCase() || null,
    auth: {
      accessTtlSeconds: integer(env, 'AEROSTACK_AUTH_ACCESS_TTL_SECONDS', 3600, 1, 86_400),
      refreshTtlSeconds: integer(env, 'AEROSTACK_AUTH_REFRESH_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
      refreshGraceSeconds: integer(env, 'AEROSTACK_AUTH_REFRESH_GRACE_SECONDS', 10, 0, 300),
      scrypt: scrypt(env),
      smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
      smtpFrom: env.SMTP_FROM || 'Aerostack <no-reply@localhost>',
      redirectUrls: urlList(env, 'AEROSTACK_AUTH_REDIRECT_URLS'),
      oidcAllowHttp: env.AEROSTACK_AUTH_OIDC_ALLOW_HTTP === '1',
    },
    db: {
      timeoutMs: integer(env, 'AEROSTACK_DB_TIMEOUT_MS', 5_000, 100, 600_000),
      maxRows: integer(env, 'AEROSTACK_DB_MAX_ROWS', 10_000, 1, 1_000_000),
      maxResponseBytes: integer(env, 'AEROSTACK_DB_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 1024 ** 3),
      idleMs: integer(env, 'AEROSTACK_DB_IDLE_MS', 60_000, 1_000, 3_600_000),
    },
    cache: {
      maxValueBytes: integer(env, 'AEROSTACK_CACHE_MAX_VALUE_BYTES', 1024 * 1024, 16, 512 * 1024 * 1024),
    },
    gateway: {
      maxServers: integer(env, 'AEROSTACK_WORKSPACE_MAX_SERVERS', 50, 1, 10_000),
      callsPerMonth: integer(env, 'AEROSTACK_WORKSPACE_CALLS_PER_MONTH', 0, 0, 1_000_000_000_000),
      requestsPerMinute: integer(env, 'AEROSTACK_GATEWAY_RATE_LIMIT', 120, 1, 1_000_000),
      listDeadlineMs: integer(env, 'AEROSTACK_GATEWAY_LIST_DEADLINE_MS', 3_000, 50, 60_000),
      callTimeoutMs: integer(env, 'AEROSTACK_GATEWAY_CALL_TIMEOUT_MS', 60_000, 100, 3_600_000),
      maxStreamsPerToken: integer(env, 'AEROSTACK_GATEWAY_MAX_STREAMS_PER_TOKEN', 10, 1, 10_000),
      allowHosts: (env.AEROSTACK_GATEWAY_ALLOW_HOSTS ?? '')
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== ''),
    },
    vector: {
      maxBatch: integer(env, 'AEROSTACK_VECTOR_MAX_BATCH', 1000, 1, 100_000),
      maxMetadataBytes: integer(env, 'AEROSTACK_VECTOR_MAX_METADATA_BYTES', 10 * 1024, 64, 1024 * 1024),
      pgvector: pgvectorMode(env),
    },
    storage: {
      dir: env.AEROSTACK_STORAGE_DIR ? resolve(env.AEROSTACK_STORAGE_DIR) : null,
      maxObjectBytes: integer(env, 'AEROSTACK_STORAGE_MAX_OBJECT_BYTES', 1024 ** 3, 1, 5 * 1024 ** 3),
      quotaBytes: integer(env, 'AEROSTACK_STORAGE_QUOTA_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
      sweepIntervalSeconds: integer(env, 'AEROSTACK_STORAGE_SWEEP_INTERVAL_SECONDS', 3600, 0, 7 * 86_400),
      orphanGraceSeconds: integer(env, 'AEROSTACK_STORAGE_ORPHAN_GRACE_SECONDS', 3600, 0, 30 * 86_400),
      s3: s3(env),
    },
    ai: {
      provider: aiProvider(env),
      apiKey: env.AEROSTACK_AI_API_KEY || null,
      baseUrl: url(env, 'AEROSTACK_AI_BASE_URL', ['http:', 'https:'])?.replace(/\/+$/, '') ?? null,
      chatModel: env.AEROSTACK_AI_CHAT_MODEL?.trim() || null,
      embeddingModel: env.AEROSTACK_AI_EMBEDDING_MODEL?.trim() || null,
      localModel: resolve(
        env.AEROSTACK_AI_LOCAL_MODEL ||
          `${env.AEROSTACK_DATA_DIR || '.aerostack'}/models/SmolLM2-135M-Instruct.Q4_1.gguf`,
      ),
      timeoutMs: integer(env, 'AEROSTACK_AI_TIMEOUT_MS', 120_000, 100, 3_600_000),
      userRequestsPerMinute: integer(env, 'AEROSTACK_AI_USER_RATE_LIMIT', 20, 1, 1_000_000),
    },
    queue: {
      keepSucceededSeconds: integer(
        env,
        'AEROSTACK_QUEUE_KEEP_SUCCEEDED_SECONDS',
        7 * 86_400,
        0,
        3650 * 86_400,
      ),
      keepCancelledSeconds: integer(
        env,
        'AEROSTACK_QUEUE_KEEP_CANCELLED_SECONDS',
        7 * 86_400,
        0,
        3650 * 86_400,
      ),
      keepDeadSeconds: integer(env, 'AEROSTACK_QUEUE_KEEP_DEAD_SECONDS', 30 * 86_400, 0, 3650 * 86_400),
    },
    hosting: {
      deploy: {
        maxBundleBytes: integer(
          env,
          'AEROSTACK_HOSTING_MAX_BUNDLE_BYTES',
          10 * 1024 * 1024,
          1024,
          24 * 1024 * 1024,
        ),
        maxWorkers: integer(env, 'AEROSTACK_HOSTING_MAX_WORKERS', 100, 1, 100_000),
      },
      runtime: {
        cpuMs: integer(env, 'AEROSTACK_HOSTING_CPU_MS', 30_000, 10, 3_600_000),
        wallMs: integer(env, 'AEROSTACK_HOSTING_WALL_MS', 900_000, 100, 86_400_000),
        memoryBytes: integer(env, 'AEROSTACK_HOSTING_MEMORY_MB', 128, 16, 65_536) * 1024 * 1024,
        maxSubrequests: integer(env, 'AEROSTACK_HOSTING_MAX_SUBREQUESTS', 1_000, 0, 1_000_000),
        idleMs: integer(env, 'AEROSTACK_HOSTING_IDLE_SECONDS', 600, 1, 86_400) * 1000,
        allowHosts: (env.AEROSTACK_HOSTING_ALLOW_HOSTS ?? '')
          .split(',')
          .map((entry) => entry.trim().toLowerCase())
          .filter((entry) => entry !== ''),
      },
      logs: {
        keepPerDeployment: integer(env, 'AEROSTACK_HOSTING_LOGS_PER_DEPLOYMENT', 1_000, 1, 1_000_000),
      },
    },
  };
}
