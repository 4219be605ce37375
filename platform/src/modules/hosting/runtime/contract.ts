/**
 * The contract between the hosting module (deployments, routes, schedulers) and the runtime that
 * runs deployed code in workerd (decision 0049). The module decides *what* runs; the runtime
 * decides *how*: one workerd process per project, limits, the watchdog, outbound fetch.
 */

/** One immutable deployment of one worker, as the runtime loads it. */
export interface WorkerSource {
  /** The deployment's id. The runtime reloads the worker when it, its vars or its bindings differ. */
  deploymentId: string;
  /** The worker's name within its project (`aerostack.toml` `name`); unique per project. */
  name: string;
  /** ES modules; the first is the entry. Names are relative paths (`index.js`, `lib/util.js`). */
  modules: { name: string; content: string }[];
  /** `YYYY-MM-DD`; no later than the runtime's `maxCompatibilityDate`. */
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Text bindings: the `[vars]` of `aerostack.toml` and the project's secrets. */
  vars: Record<string, string>;
  /** The project's stores in `env` (`env.DB`, `env.CACHE`, …), served by the runtime's `bindings` handler. */
  bindings?: WorkerBinding[];
  /** `[[services]]`: `env[name]` reaches another worker of the same project (decision 0054). */
  services?: WorkerService[];
}

/** One service binding: `env[name].fetch()` (and, with `entrypoint`, RPC) reaches the worker `service`. */
export interface WorkerService {
  name: string;
  /** A worker of the same project; a name never resolves outside it. */
  service: string;
  /** A named export of the target (a `WorkerEntrypoint` class); the default export otherwise. */
  entrypoint?: string;
}

/** Which Cloudflare API a binding offers, over which of the project's stores. */
export type BindingKind = 'd1' | 'kv' | 'r2' | 'queue' | 'ai' | 'vectorize';

/** One store binding of a worker: `env[name]` with the API of `kind`. */
export interface WorkerBinding {
  name: string;
  kind: BindingKind;
  /** The queue a producer sends to, the vector index a Vectorize binding reaches; empty otherwise. */
  target: string;
}

/** One call of a binding from deployed code, as the runtime hands it to the platform. */
export interface BindingCall {
  projectId: string;
  worker: string;
  deploymentId: string;
  binding: WorkerBinding;
  /** The operation (`d1.batch`, `kv.get`, …). */
  op: string;
}

/**
 * Serves the calls of every worker's store bindings, in the platform process: the request's body
 * holds the operation's arguments (JSON, or the bytes of an R2 put). workerd never holds a
 * credential; what a call may reach is fixed by `projectId`, which the runtime sets.
 */
export type BindingHandler = (call: BindingCall, request: Request) => Promise<Response>;

/** What one invocation left behind: kept per deployment (bounded) and tailed live. */
export interface InvocationLog {
  deploymentId: string;
  worker: string;
  /** Epoch ms. */
  at: number;
  /** `ok`, `exception` (uncaught error), or the limit that stopped it. */
  outcome: 'ok' | 'exception' | 'cpu-limit' | 'memory-limit' | 'wall-limit' | 'crashed';
  /** console.* lines and uncaught errors, in order. */
  lines: { level: 'debug' | 'info' | 'log' | 'warn' | 'error'; message: string; at: number }[];
}

/** A cron event, as Cloudflare hands it to a worker's `scheduled(controller, env, ctx)`. */
export interface ScheduledEvent {
  cron: string;
  /** Epoch ms of the tick. */
  scheduledTime: number;
}

export interface ScheduledResult {
  outcome: InvocationLog['outcome'];
  /** The handler called `controller.noRetry()`. */
  noRetry: boolean;
}

/** A batch for a worker's `queue(batch, env, ctx)`; bodies travel as JSON. */
export interface QueueBatch {
  queue: string;
  messages: { id: string; body: unknown; attempts: number; timestamp: Date | number }[];
}

/**
 * What the `queue` handler decided (Miniflare's shape): `message.ack()` / `retry()` per message,
 * `batch.ackAll()` / `retryAll()` for the batch. Explicit calls of one message win over the
 * batch's; a message neither acked nor retried is acked when the handler returned (`outcome` ok).
 */
export interface QueueResult {
  outcome: InvocationLog['outcome'];
  ackAll: boolean;
  retryBatch: { retry: boolean; delaySeconds?: number };
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds?: number }[];
}

export interface HostedRuntime {
  /** The newest compatibility date the bundled workerd supports (`YYYY-MM-DD`). */
  readonly maxCompatibilityDate: string;
  /**
   * Makes `workers` the project's set (all of its active deployments: they run in one workerd and
   * may call each other). Cheap when nothing changed; reloads the project's workerd otherwise.
   * Throws an `ApiError` (`hosting/compatibility-date-unsupported`, `hosting/worker-invalid` with
   * workerd's message) when the code cannot load; the set loaded before keeps running then. An
   * empty set stops the project's workerd.
   */
  ensure(projectId: string, workers: readonly WorkerSource[]): Promise<void>;
  /**
   * One HTTP request to a loaded worker of the project. A worker stopped by a limit answers an
   * `ApiError` thrown here (`hosting/cpu-limit-exceeded`, `hosting/memory-limit-exceeded`,
   * `hosting/wall-limit-exceeded`, `hosting/worker-crashed`); the project's workerd is restarted
   * on its next request, and other projects never notice. A worker not in the project's set
   * throws `hosting/function-not-found`. The request's `signal` aborts it. An uncaught exception
   * of the worker answers a bare 500 (the details go to the log).
   */
  fetch(projectId: string, worker: string, request: Request): Promise<Response>;
  /**
   * Runs the worker's `scheduled` handler for one cron event, under the same limits, logs and
   * outbound rules as a request. A limit or an uncaught exception is the answered `outcome`, not
   * a throw; `hosting/function-not-found` is thrown as by `fetch`.
   */
  scheduled(projectId: string, worker: string, event: ScheduledEvent): Promise<ScheduledResult>;
  /** Runs the worker's `queue` handler for one batch (see `scheduled`); answers what it acked and retried. */
  queue(projectId: string, worker: string, batch: QueueBatch): Promise<QueueResult>;
  /** Subscribes to invocation logs of every project this runtime hosts; returns the unsubscribe. */
  onLog(listener: (projectId: string, log: InvocationLog) => void): () => void;
  /** Stops the project's workerd (project deleted, idle). */
  unload(projectId: string): Promise<void>;
  /** Stops every workerd this runtime started. */
  close(): Promise<void>;
}
