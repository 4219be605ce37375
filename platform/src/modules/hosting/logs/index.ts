import type { components } from '@aerostack/spec/types';
import { tables } from '../../../db/database.js';
import type { Position } from '../../../lib/cursor.js';
import { newId } from '../../../lib/ids.js';
import type { JsonValue } from '../../../services/bus/index.js';
import type { Services } from '../../../services.js';
import type { HostedRuntime, InvocationLog } from '../runtime/contract.js';
import * as store from './store.js';

export type InvocationLogApi = components['schemas']['InvocationLog'];

/** What one invocation left, as the runtime reports it, or a cron run cut by a stopped process. */
export type LogEntry = Omit<InvocationLog, 'outcome'> & {
  outcome: InvocationLog['outcome'] | 'interrupted';
};

/** The bus channel of each stored log: `{ p, w, id, log }`, `log` null when too large to carry. */
export const HOSTING_LOGS = 'hosting.logs';
type LogMessage = { p: string; w: string; id: string; log: InvocationLogApi | null };

/** The most bytes of lines one stored invocation keeps (the runtime's own cap is 500 × 4 KiB). */
export const MAX_LOG_BYTES = 64 * 1024;
/** A log is carried on the bus when its JSON fits (PostgreSQL's NOTIFY takes 8000 bytes). */
const INLINE_BYTES = 6000;
/** Logs are written in batches: one INSERT and one trim per deployment per flush. */
const FLUSH_MS = 200;
/** How many tails one worker may have open on all nodes together (as `wrangler tail`). */
export const MAX_TAILS = 10;
/** Logs a slow tail may have waiting; older ones are dropped for it. */
const TAIL_BACKLOG = 1000;

/** `lines` cut to `MAX_LOG_BYTES` of messages, a last line saying how many were left out. */
function clipped(lines: LogEntry['lines']): LogEntry['lines'] {
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    bytes += Buffer.byteLength(lines[i]!.message, 'utf8');
    if (bytes > MAX_LOG_BYTES) {
      const dropped = lines.length - i;
      return [
        ...lines.slice(0, i),
        {
          level: 'warn',
          message: `${dropped} more line(s) not kept: an invocation keeps ${MAX_LOG_BYTES / 1024} KiB of log.`,
          at: lines[i]!.at,
        },
      ];
    }
  }
  return lines;
}

export function toLog(row: store.LogRow): InvocationLogApi {
  const lines = JSON.parse(row.lines) as LogEntry['lines'];
  return {
    id: row.id,
    worker: row.worker,
    deploymentId: row.deployment_id,
    outcome: row.outcome as InvocationLogApi['outcome'],
    at: row.created_at,
    lines: lines.map((line) => ({ ...line, at: new Date(line.at).toISOString() })),
  };
}

/**
 * Invocation logs of hosted code (decision 0052): what the runtime reports in this process is
 * written in batches, each deployment trimmed to its newest `keepPerDeployment`, and announced on
 * the bus, so a tail on any node sees every invocation of its worker wherever it ran.
 */
export function createLogs(services: Services, runtime: HostedRuntime | null) {
  const db = tables<store.LogTables>(services.database);
  const keep = services.config.hosting.logs.keepPerDeployment;
  let pending: store.LogRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: typeof pending): Promise<void> {
    const stored = await store.insertLogs(db, batch);
    if (stored.length < batch.length)
      services.logger.debug('hosting: logs of deleted projects dropped', {
        count: batch.length - stored.length,
      });
    for (const deploymentId of new Set(stored.map((row) => row.deployment_id))) {
      await store.trimDeployment(db, deploymentId, keep);
    }
    // Announced once stored: a tail that reads a large log by its id finds it.
    for (const row of stored) {
      const log = toLog(row);
      const inline = JSON.stringify(log).length <= INLINE_BYTES;
      const message: LogMessage = { p: row.project_id, w: row.worker, id: row.id, log: inline ? log : null };
      await services.bus.publish(HOSTING_LOGS, message as unknown as JsonValue);
    }
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    flushing = flushing.then(() =>
      batch.length === 0
        ? undefined
        : write(batch).catch((error: unknown) =>
            services.logger.error('hosting: storing invocation logs failed', {
              count: batch.length,
              error: String(error),
            }),
          ),
    );
    return flushing;
  }

  function record(projectId: string, entry: LogEntry): void {
    pending.push({
      id: newId('log'),
      project_id: projectId,
      worker: entry.worker,
      deployment_id: entry.deploymentId,
      outcome: entry.outcome,
      lines: JSON.stringify(clipped(entry.lines)),
      created_at: new Date(entry.at).toISOString(),
    });
    timer ??= setTimeout(() => void flush(), FLUSH_MS);
  }

  const unsubscribe = runtime?.onLog(record) ?? (() => {});

  return {
    record,
    /** Writes what is waiting now (tests, shutdown). */
    flush,

    list: (
      projectId: string,
      worker: string,
      deploymentId: string | null,
      position: Position | null,
      limit: number,
    ) => store.listLogs(db, projectId, worker, deploymentId, position, limit),

    /** Drops the logs of deleted deployments (the sweeper's work). */
    deleteOrphans: () => store.deleteOrphans(db),

    /** The worker's logs stored from now on, on any node, until `signal` aborts. */
    async *tail(projectId: string, worker: string, signal: AbortSignal): AsyncGenerator<InvocationLogApi> {
      const waiting: LogMessage[] = [];
      let wake: (() => void) | null = null;
      const unsubscribeBus = services.bus.subscribe(HOSTING_LOGS, (raw) => {
        const message = raw as unknown as LogMessage;
        if (message.p !== projectId || message.w !== worker) return;
        if (waiting.push(message) > TAIL_BACKLOG) waiting.shift();
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!signal.aborted) {
          const message = waiting.shift();
          if (!message) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = null;
            continue;
          }
          if (message.log) {
            yield message.log;
            continue;
          }
          const row = await store.getLog(db, message.id);
          if (row) yield toLog(row);
        }
      } finally {
        unsubscribeBus();
        signal.removeEventListener('abort', onAbort);
      }
    },

    async close(): Promise<void> {
      unsubscribe();
      await flush();
    },
  };
}

export type HostingLogs = ReturnType<typeof createLogs>;
