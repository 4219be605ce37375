import nodeCluster, { type Cluster, type Worker } from 'node:cluster';
import { currentNodeId, NODE_ID_ENV } from '../services/bus/node-id.js';
import type { ErrorReporter } from './protocol.js';

export interface ForkOptions {
  count: number;
  /** Added to each worker's environment (which also gets AEROSTACK_NODE_ID and AEROSTACK_WORKER). */
  env?: Record<string, string>;
  /** Restart delay after a crash: doubles per quick crash from `minMs` up to `maxMs`. */
  backoff?: { minMs?: number; maxMs?: number };
  /** How long a worker may take to exit after the signal before it is killed; default 10 s. */
  gracefulMs?: number;
  /** Called with the exit code once every worker has exited after SIGTERM/SIGINT; default process.exit. */
  exit?: (code: number) => void;
  onError?: ErrorReporter;
  /** Starts, exits and restarts, for the operator's log. */
  onEvent?: (msg: string, fields: Record<string, unknown>) => void;
  cluster?: Cluster;
}

export interface Workers {
  /** Live workers, by slot (0 … count-1). */
  readonly workers: ReadonlyMap<number, Worker>;
  /** Sends `signal` to every worker, waits for them (killing stragglers), then resolves. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// A worker that lived this long before crashing counts as healthy: its restart starts fresh.
const STABLE_MS = 10_000;

/**
 * Forks `count` workers running this same entry point (node:cluster), restarts a crashed worker
 * after a backoff, and on SIGTERM / SIGINT forwards the signal, waits for the workers and exits.
 */
export function forkWorkers(options: ForkOptions): Workers {
  const cluster = options.cluster ?? nodeCluster;
  const minMs = options.backoff?.minMs ?? 100;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  const gracefulMs = options.gracefulMs ?? 10_000;
  const onEvent = options.onEvent ?? (() => {});
  const onError = options.onError ?? (() => {});
  const nodeId = currentNodeId();
  const workers = new Map<number, Worker>();
  const failures = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping: Promise<void> | null = null;

  function start(slot: number) {
    const worker = cluster.fork({
      ...options.env,
      [NODE_ID_ENV]: nodeId,
      AEROSTACK_WORKER: String(slot),
    });
    const startedAt = Date.now();
    workers.set(slot, worker);
    onEvent('cluster: worker started', { slot, pid: worker.process.pid });
    worker.on('error', (error: Error) => onError('cluster: worker error', { slot, error: error.message }));
    worker.on('exit', (code, signal) => {
      if (workers.get(slot) === worker) workers.delete(slot);
      if (stopping) return;
      const quick = Date.now() - startedAt < STABLE_MS;
      const failed = quick ? (failures.get(slot) ?? 0) + 1 : 1;
      failures.set(slot, failed);
      const delay = Math.min(maxMs, minMs * 2 ** (failed - 1));
      onError('cluster: worker exited, restarting', { slot, code, signal, restartInMs: delay });
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(slot);
      }, delay);
      timers.add(timer);
    });
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (!stopping) {
      stopping = (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const exits = [...workers.values()].map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              const kill = setTimeout(() => worker.process.kill('SIGKILL'), gracefulMs);
              worker.once('exit', () => clearTimeout(kill));
              worker.process.kill(signal);
            }),
        );
        await Promise.all(exits);
      })();
    }
    await stopping;
  }

  const onSignal = (signal: NodeJS.Signals) => {
    onEvent('cluster: stopping workers', { signal });
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stop(signal).then(() => (options.exit ?? process.exit)(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  for (let slot = 0; slot < options.count; slot++) start(slot);
  return {
    workers,
    stop: async (signal) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await stop(signal);
    },
  };
}
