import {
  type components,
  type EventStreamOptions,
  type EventStreamState,
  type Http,
  openEventStream,
  type Page,
  paginate,
  type paths,
  pickRequestOptions,
  type RequestOptions,
} from '@aerostack/core';
import {
  type CreateOptions,
  type ListAllOptions,
  type ListOptions,
  listQuery,
  type SecretInfo,
  withIdempotencyKey,
} from '@aerostack/core/admin';
import { readProject } from '../hosting/deploy';

/** One immutable deployment of a worker: its settings, never its code or the values of `[vars]`. */
export type Deployment = components['schemas']['Deployment'];
/** What `deploy` sends: the texts of `aerostack.toml` (and `aerostack.json`) and the bundled ES modules. */
export type DeploymentCreate = components['schemas']['DeploymentCreate'];
/** A deployed worker (function, MCP server or skill) and its active deployment. */
export type HostedWorker = components['schemas']['Worker'];
/** One bundled ES module of a deployment. */
export type WorkerModule = components['schemas']['WorkerModule'];
/** A hosted MCP server or skill of the project's catalogue: its tools, config schema and capability manifest. */
export type CatalogEntry = components['schemas']['CatalogEntry'];
/** What a catalogue entry is: a hosted MCP server or a skill (one tool). */
export type CatalogEntryKind = components['schemas']['CatalogEntryKind'];
/** What one invocation of a worker left: its `console.*` lines, uncaught errors and how it ended. */
export type InvocationLog = components['schemas']['InvocationLog'];

/**
 * Hosted code of a project (decision 0050): deploy bundled workers, list and roll back their
 * immutable deployments, and set the secrets they receive in `env`. A deployed worker answers
 * HTTP at `worker.url` (`/fn/{projectId}/{name}`).
 *
 * @example
 * const deployment = await admin.hosting.deploy(projectId, './my-worker');
 * const worker = await admin.hosting.workers.get(projectId, deployment.worker);
 * console.log(await (await fetch(worker.url)).text());
 */
export interface HostingApi {
  /**
   * Deploys a project directory, as `wrangler deploy` does: reads `aerostack.toml` (and
   * `aerostack.json` when there is one), bundles `main` with esbuild into one ES module for
   * workerd (`workerd`/`worker`/`browser` exports, the project's own `node_modules`,
   * `cloudflare:*` and `node:*` left to the runtime) and uploads it. A missing `aerostack.toml`,
   * a `main` naming no file, or code esbuild cannot bundle rejects before anything is sent with
   * `hosting/layout-invalid` and status 0, each `errors[]` entry located (`src/index.ts:3:7`);
   * everything else is validated by the platform, whose errors pass through as they are.
   *
   * @example
   * // my-worker/aerostack.toml: name = "hello", main = "src/index.ts", compatibility_date = "2025-01-01"
   * const { worker, version, warnings } = await admin.hosting.deploy(projectId, './my-worker');
   */
  deploy(projectId: string, dir: string, options?: CreateOptions): Promise<Deployment>;
  /**
   * Deploys a worker: validates the layout (422 `hosting/layout-invalid` whose `errors[]` name
   * each problem as `aerostack.toml:7:1`), loads the code (422 `hosting/worker-invalid` when
   * workerd refuses it; the previous deployment stays active) and makes it the worker's active
   * deployment. Keys the platform does not use come back in `warnings`.
   *
   * @example
   * const { version, warnings } = await admin.hosting.deploy(projectId, {
   *   aerostackToml: await readFile('aerostack.toml', 'utf8'),
   *   aerostackJson: await readFile('aerostack.json', 'utf8'),
   *   modules: [{ name: 'src/index.js', content: bundled }],
   * });
   */
  deploy(projectId: string, input: DeploymentCreate, options?: CreateOptions): Promise<Deployment>;
  /** The project's workers. */
  readonly workers: HostingWorkersApi;
  /** The deployments of one worker. */
  readonly deployments: HostingDeploymentsApi;
  /** The secrets the project's workers receive in `env` (values are never returned). */
  readonly secrets: HostingSecretsApi;
  /** The project's hosted MCP servers, with the tools each deploy fetched and their manifests. */
  readonly catalog: HostingCatalogApi;
  /** What each invocation of a worker printed and threw: listed, or tailed live. */
  readonly logs: HostingLogsApi;
}

/**
 * Options of `logs.list`: a page, optionally of one deployment only.
 *
 * @example
 * await admin.hosting.logs.list(projectId, 'hello', { limit: 20, deploymentId: worker.activeDeploymentId });
 */
export interface LogListOptions extends ListOptions {
  /** Only the logs of this deployment (`dep_…`). */
  deploymentId?: string | undefined;
}

/**
 * Options of `catalog.list`.
 *
 * @example
 * admin.hosting.catalog.list(projectId, { kind: 'skill', limit: 20 });
 */
export interface CatalogListOptions extends ListOptions {
  /** Only the MCP servers, or only the skills. */
  kind?: CatalogEntryKind | undefined;
}

/**
 * Options of `catalog.listAll`.
 *
 * @example
 * admin.hosting.catalog.listAll(projectId, { kind: 'mcp-server' });
 */
export interface CatalogListAllOptions extends ListAllOptions {
  /** Only the MCP servers, or only the skills. */
  kind?: CatalogEntryKind | undefined;
}

/**
 * Options of `logs.listAll`.
 *
 * @example
 * admin.hosting.logs.listAll(projectId, 'hello', { pageSize: 200, deploymentId });
 */
export interface LogListAllOptions extends ListAllOptions {
  /** Only the logs of this deployment (`dep_…`). */
  deploymentId?: string | undefined;
}

/**
 * Options of `logs.tail`. By default the tail does not reconnect: nothing is replayed after a
 * reconnection, so a drop rejects the iteration (`client/network`) rather than silently skip what
 * ran meanwhile. `maxReconnects` makes it carry on after drops (the gap is in `logs.list`).
 *
 * @example
 * admin.hosting.logs.tail(projectId, 'hello', { signal: AbortSignal.timeout(60_000), maxReconnects: 5 });
 */
export type LogTailOptions = Pick<
  EventStreamOptions,
  'signal' | 'headers' | 'timeoutMs' | 'maxReconnects' | 'onStateChange'
>;

/**
 * A live tail of a worker's invocation logs: iterate it with `for await`. It connects on the
 * first iteration; `break`, `close()` or the `signal` close the HTTP stream, which frees the
 * tail's place among the worker's 10.
 *
 * @example
 * const tail = admin.hosting.logs.tail(projectId, 'hello');
 * for await (const log of tail) if (log.outcome !== 'ok') tail.close();
 */
export interface LogTail extends AsyncIterable<InvocationLog> {
  /** The connection's state now (`open` once the platform accepted the tail). */
  readonly state: EventStreamState;
  /** Closes the stream; the iteration ends quietly. */
  close(): void;
}

/**
 * A worker's invocation logs (decision 0052): each HTTP request, cron run and queue batch, with
 * its `console.*` lines and uncaught errors, kept per deployment (its newest 1000 by default).
 *
 * @example
 * for await (const log of admin.hosting.logs.tail(projectId, 'hello', { signal })) {
 *   for (const line of log.lines) console.log(log.outcome, line.level, line.message);
 * }
 */
export interface HostingLogsApi {
  /**
   * One page of the worker's logs, newest first; rejects with `hosting/worker-not-found`.
   *
   * @example
   * const { data, nextCursor } = await admin.hosting.logs.list(projectId, 'hello', { limit: 20 });
   * const errors = data.filter((log) => log.outcome === 'exception');
   */
  list(projectId: string, worker: string, options?: LogListOptions): Promise<Page<InvocationLog>>;
  /**
   * Every log the worker has kept, newest first, fetching pages as you iterate.
   *
   * @example
   * for await (const log of admin.hosting.logs.listAll(projectId, 'hello', { deploymentId })) console.log(log.at, log.outcome);
   */
  listAll(projectId: string, worker: string, options?: LogListAllOptions): AsyncGenerator<InvocationLog>;
  /**
   * The worker's invocations as they end, on any node of the platform, from the moment the tail
   * opens (the past is in `list`). At most 10 tails of one worker are open at once: the
   * iteration of an eleventh rejects with 429 `hosting/too-many-tails`, and an unknown worker
   * with `hosting/worker-not-found`.
   *
   * @example
   * const controller = new AbortController();
   * for await (const log of admin.hosting.logs.tail(projectId, 'hello', { signal: controller.signal })) {
   *   console.log(log.outcome, log.lines.map((line) => line.message).join('\n'));
   * }
   */
  tail(projectId: string, worker: string, options?: LogTailOptions): LogTail;
}

/**
 * The project's own catalogue of hosted MCP servers (decision 0051): one entry per deployed MCP
 * server, made by its deploy and refreshed hourly.
 *
 * @example
 * const entry = await admin.hosting.catalog.get(projectId, 'tickets');
 * console.log(entry.tools.map((t) => t.name), entry.manifest.capabilities, entry.url);
 */
export interface HostingCatalogApi {
  /**
   * One page of entries, oldest first.
   *
   * @example
   * const { data } = await admin.hosting.catalog.list(projectId, { limit: 10 });
   * const skills = await admin.hosting.catalog.list(projectId, { kind: 'skill' });
   */
  list(projectId: string, options?: CatalogListOptions): Promise<Page<CatalogEntry>>;
  /**
   * Every entry, fetching pages as you iterate.
   *
   * @example
   * for await (const entry of admin.hosting.catalog.listAll(projectId)) console.log(entry.slug, entry.refresh.status);
   */
  listAll(projectId: string, options?: CatalogListAllOptions): AsyncGenerator<CatalogEntry>;
  /**
   * One entry by its `aerostack.json` slug; rejects with `hosting/catalog-entry-not-found`.
   *
   * @example
   * const { url, secrets } = await admin.hosting.catalog.get(projectId, 'tickets');
   */
  get(projectId: string, slug: string, options?: RequestOptions): Promise<CatalogEntry>;
}

/**
 * The project's deployed workers.
 *
 * @example
 * for await (const worker of admin.hosting.workers.listAll(projectId)) console.log(worker.name, worker.url);
 */
export interface HostingWorkersApi {
  /**
   * One page of workers, oldest first.
   *
   * @example
   * const { data, nextCursor } = await admin.hosting.workers.list(projectId, { limit: 10 });
   */
  list(projectId: string, options?: ListOptions): Promise<Page<HostedWorker>>;
  /**
   * Every worker, fetching pages as you iterate.
   *
   * @example
   * for await (const worker of admin.hosting.workers.listAll(projectId)) console.log(worker.name);
   */
  listAll(projectId: string, options?: ListAllOptions): AsyncGenerator<HostedWorker>;
  /**
   * One worker; rejects with `hosting/worker-not-found`.
   *
   * @example
   * const { activeDeploymentId, url } = await admin.hosting.workers.get(projectId, 'hello');
   */
  get(projectId: string, name: string, options?: RequestOptions): Promise<HostedWorker>;
  /**
   * Deletes a worker and all its deployments; it stops answering at once.
   *
   * @example
   * await admin.hosting.workers.delete(projectId, 'hello');
   */
  delete(projectId: string, name: string, options?: RequestOptions): Promise<void>;
}

/**
 * A worker's deployments, newest first, and rollbacks.
 *
 * @example
 * const [current, previous] = (await admin.hosting.deployments.list(projectId, 'hello')).data;
 */
export interface HostingDeploymentsApi {
  /**
   * One page of the worker's deployments, newest first.
   *
   * @example
   * const { data } = await admin.hosting.deployments.list(projectId, 'hello', { limit: 5 });
   */
  list(projectId: string, worker: string, options?: ListOptions): Promise<Page<Deployment>>;
  /**
   * Every deployment of the worker, newest first, fetching pages as you iterate.
   *
   * @example
   * for await (const d of admin.hosting.deployments.listAll(projectId, 'hello')) console.log(d.version, d.active);
   */
  listAll(projectId: string, worker: string, options?: ListAllOptions): AsyncGenerator<Deployment>;
  /**
   * One deployment; rejects with `hosting/deployment-not-found`.
   *
   * @example
   * const deployment = await admin.hosting.deployments.get(projectId, 'hello', 'dep_7Hq2vW9xK3mN5pR8sT1u');
   */
  get(projectId: string, worker: string, deploymentId: string, options?: RequestOptions): Promise<Deployment>;
  /**
   * Rolls the worker back: a new deployment (the next version) with the code and settings of
   * `deploymentId`, now active; `rolledBackFrom` names where the code came from.
   *
   * @example
   * const { version, rolledBackFrom } = await admin.hosting.deployments.rollback(projectId, 'hello', previous.id);
   */
  rollback(
    projectId: string,
    worker: string,
    deploymentId: string,
    options?: CreateOptions,
  ): Promise<Deployment>;
}

/**
 * The secrets every worker of the project receives in `env` (over a `[vars]` entry of the same
 * name), sealed at rest and never returned.
 *
 * @example
 * await admin.hosting.secrets.set(projectId, 'GITHUB_TOKEN', process.env.GITHUB_TOKEN!);
 */
export interface HostingSecretsApi {
  /**
   * One page of secret names and times, oldest first.
   *
   * @example
   * const names = (await admin.hosting.secrets.list(projectId)).data.map((s) => s.name);
   */
  list(projectId: string, options?: ListOptions): Promise<Page<SecretInfo>>;
  /**
   * Every secret's name and times, fetching pages as you iterate.
   *
   * @example
   * for await (const secret of admin.hosting.secrets.listAll(projectId)) console.log(secret.name);
   */
  listAll(projectId: string, options?: ListAllOptions): AsyncGenerator<SecretInfo>;
  /**
   * Creates or replaces a secret; the workers see it from their next request.
   *
   * @example
   * await admin.hosting.secrets.set(projectId, 'API_KEY', 'sk-live-…');
   */
  set(projectId: string, name: string, value: string, options?: RequestOptions): Promise<SecretInfo>;
  /**
   * Deletes a secret; rejects with `hosting/secret-not-found`.
   *
   * @example
   * await admin.hosting.secrets.delete(projectId, 'API_KEY');
   */
  delete(projectId: string, name: string, options?: RequestOptions): Promise<void>;
}

/** The API's paths whose GET answers a page (`{ data, nextCursor }`), and what a page holds. */
type PagedGet<P extends keyof paths> = paths[P] extends {
  get: {
    parameters: { path: infer PathParams; query?: infer Query };
    responses: { 200: { content: { 'application/json': { data: (infer Item)[] } } } };
  };
}
  ? { pathParams: PathParams; filter: Omit<NonNullable<Query>, 'limit' | 'cursor'>; item: Item }
  : never;
type PagedPath = { [P in keyof paths]: PagedGet<P> extends never ? never : P }[keyof paths];

/**
 * `list` and `listAll` of the collection at `path`: one page of at most `limit` after `cursor`,
 * or every page as you iterate (`pageSize` each). `params` fills the path; `filter` narrows it.
 */
function collection<P extends PagedPath>(http: Http, path: P) {
  type Get = PagedGet<P>;
  // `http.GET` resolves its types from a literal path; for a generic one they come from `PagedGet`.
  const get = http.GET as unknown as (path: P, init: object) => Promise<Page<Get['item']>>;
  const list = (params: Get['pathParams'], options: ListOptions = {}, filter: Get['filter'] = {}) =>
    get(path, {
      params: { path: params, query: { ...filter, ...listQuery(options) } },
      ...pickRequestOptions(options),
    });
  const listAll = (params: Get['pathParams'], options: ListAllOptions = {}, filter: Get['filter'] = {}) =>
    paginate((cursor) => list(params, { ...options, limit: options.pageSize, cursor }, filter));
  return { list, listAll };
}

function createWorkersApi(http: Http): HostingWorkersApi {
  const workers = collection(http, '/v1/projects/{projectId}/workers');
  return {
    list: (projectId, options) => workers.list({ projectId }, options),
    listAll: (projectId, options) => workers.listAll({ projectId }, options),
    get: (projectId, workerName, options) =>
      http.GET('/v1/projects/{projectId}/workers/{workerName}', {
        params: { path: { projectId, workerName } },
        ...pickRequestOptions(options),
      }),
    delete: (projectId, workerName, options) =>
      http.DELETE('/v1/projects/{projectId}/workers/{workerName}', {
        params: { path: { projectId, workerName } },
        ...pickRequestOptions(options),
      }),
  };
}

function createDeploymentsApi(http: Http): HostingDeploymentsApi {
  const deployments = collection(http, '/v1/projects/{projectId}/workers/{workerName}/deployments');
  return {
    list: (projectId, workerName, options) => deployments.list({ projectId, workerName }, options),
    listAll: (projectId, workerName, options) => deployments.listAll({ projectId, workerName }, options),
    get: (projectId, workerName, deploymentId, options) =>
      http.GET('/v1/projects/{projectId}/workers/{workerName}/deployments/{deploymentId}', {
        params: { path: { projectId, workerName, deploymentId } },
        ...pickRequestOptions(options),
      }),
    rollback: (projectId, workerName, deploymentId, options) =>
      http.POST('/v1/projects/{projectId}/workers/{workerName}/rollback', {
        params: { path: { projectId, workerName } },
        body: { deploymentId },
        ...withIdempotencyKey(options),
      }),
  };
}

function createSecretsApi(http: Http): HostingSecretsApi {
  const secrets = collection(http, '/v1/projects/{projectId}/secrets');
  return {
    list: (projectId, options) => secrets.list({ projectId }, options),
    listAll: (projectId, options) => secrets.listAll({ projectId }, options),
    set: (projectId, secretName, value, options) =>
      http.PUT('/v1/projects/{projectId}/secrets/{secretName}', {
        params: { path: { projectId, secretName } },
        body: { value },
        ...pickRequestOptions(options),
      }),
    delete: (projectId, secretName, options) =>
      http.DELETE('/v1/projects/{projectId}/secrets/{secretName}', {
        params: { path: { projectId, secretName } },
        ...pickRequestOptions(options),
      }),
  };
}

function createCatalogApi(http: Http): HostingCatalogApi {
  const entries = collection(http, '/v1/projects/{projectId}/catalog');
  return {
    list: (projectId, options = {}) => entries.list({ projectId }, options, { kind: options.kind }),
    listAll: (projectId, options = {}) => entries.listAll({ projectId }, options, { kind: options.kind }),
    get: (projectId, slug, options) =>
      http.GET('/v1/projects/{projectId}/catalog/{slug}', {
        params: { path: { projectId, slug } },
        ...pickRequestOptions(options),
      }),
  };
}

function createLogsApi(http: Http): HostingLogsApi {
  const logs = collection(http, '/v1/projects/{projectId}/workers/{workerName}/logs');
  return {
    list: (projectId, workerName, options = {}) =>
      logs.list({ projectId, workerName }, options, { deploymentId: options.deploymentId }),
    listAll: (projectId, workerName, options = {}) =>
      logs.listAll({ projectId, workerName }, options, { deploymentId: options.deploymentId }),
    tail(projectId, workerName, options = {}) {
      const path =
        `/v1/projects/${encodeURIComponent(projectId)}/workers/${encodeURIComponent(workerName)}/logs/tail` as const;
      // No replay after a reconnection, so by default a drop ends the tail (see LogTailOptions).
      const stream = openEventStream<{ log: InvocationLog }>({ http }, path, {
        ...options,
        maxReconnects: options.maxReconnects ?? 0,
      });
      return {
        get state() {
          return stream.state;
        },
        close: () => stream.close(),
        async *[Symbol.asyncIterator]() {
          // Leaving this loop (break, a throw) returns the stream's iterator, which closes the connection.
          for await (const event of stream) if (event.event === 'log') yield event.data;
        },
      };
    },
  };
}

export function createHostingApi(http: Http): HostingApi {
  return {
    deploy: async (projectId: string, source: string | DeploymentCreate, options?: CreateOptions) =>
      http.POST('/v1/projects/{projectId}/deployments', {
        params: { path: { projectId } },
        body: typeof source === 'string' ? await readProject(source) : source,
        ...withIdempotencyKey(options),
      }),
    workers: createWorkersApi(http),
    deployments: createDeploymentsApi(http),
    secrets: createSecretsApi(http),
    catalog: createCatalogApi(http),
    logs: createLogsApi(http),
  };
}
