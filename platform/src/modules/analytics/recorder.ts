import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import { newSortableId } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import * as store from './store.js';

/** One gateway `tools/call`, as the gateway reports it: never its arguments or its result. */
export interface CallEvent {
  workspaceId: string;
  memberId: string | null;
  tokenId: string | null;
  serverId: string | null;
  server: string;
  tool: string;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  status: 'ok' | 'error';
  errorCode: string | null;
}

export interface RecorderOptions {
  /** The database's engine (the insert's placeholders). */
  dialect: Dialect;
  /** How long an event may wait before it is written. */
  flushMs: number;
  /** This many events waiting are written at once. */
  batchSize: number;
  /** Beyond this many waiting (the database is down or slow), new events are dropped and counted. */
  maxPending: number;
}

/** Most rows one insert writes (a power of two: see `chunks`). */
const STATEMENT_ROWS = 128;

const usageKey = (workspaceId: string, month: string) => `${workspaceId} ${month}`;

function toRow(event: CallEvent): store.CallRow {
  return {
    // Time-ordered: one call record per tools/call, appended to the primary-key index, not scattered.
    id: newSortableId('cal', event.startedAt),
    workspace_id: event.workspaceId,
    member_id: event.memberId,
    token_id: event.tokenId,
    server_id: event.serverId,
    server: event.server,
    tool: event.tool,
    started_at: Math.round(event.startedAt),
    // Microseconds are enough: the gateway's own overhead is measured in them.
    duration_ms: Math.max(0, Math.round(event.durationMs * 1000) / 1000),
    status: event.status,
    error_code: event.errorCode,
  };
}

/**
 * `rows` in chunks of 2^k rows, largest first, none over `max`: each chunk size is one statement
 * text, and SQLite's statement cache (shared by the whole platform, sized for a few dozen shapes)
 * then holds at most log2(max) + 1 insert shapes instead of one per batch size.
 */
function chunks<T>(rows: T[], max: number): T[][] {
  const out: T[][] = [];
  for (let i = 0, size = max; i < rows.length; i += size) {
    while (size > rows.length - i) size >>= 1;
    out.push(rows.slice(i, i + size));
  }
  return out;
}

/** Groups `items` by workspace, so that one workspace's bad write (deleted meanwhile) loses only its own. */
function byWorkspace<T extends { workspace_id: string }>(items: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.workspace_id);
    if (group) group.push(item);
    else groups.set(item.workspace_id, [item]);
  }
  return [...groups.values()];
}

/**
 * Keeps calls and usage increments in memory and writes them in multi-row statements, off the
 * gateway's request path: a call costs the gateway a push onto an array. A failed write is logged
 * and never thrown; a batch that fails is retried once per workspace, so that a workspace deleted
 * while its events waited (its foreign key now fails) does not take the others' events with it.
 */
export function createRecorder(db: Kysely<store.AnalyticsTables>, logger: Logger, options: RecorderOptions) {
  let calls: store.CallRow[] = [];
  let usage = new Map<string, store.AnalyticsTables['gateway_usage']>();
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let queued = false;
  let closed = false;

  async function attempt(what: string, rows: { workspace_id: string }[], write: () => Promise<void>) {
    try {
      await write();
    } catch (error) {
      logger.error(`analytics: could not record ${what}`, {
        workspaceId: rows[0]?.workspace_id,
        rows: rows.length,
        error: (error as Error).message,
      });
    }
  }

  async function writeBatch<T extends { workspace_id: string }>(
    what: string,
    rows: T[],
    write: (rows: T[]) => Promise<void>,
  ) {
    try {
      await write(rows);
    } catch {
      for (const group of byWorkspace(rows)) await attempt(what, group, () => write(group));
    }
  }

  async function writePending(): Promise<void> {
    const pendingCalls = calls;
    const pendingUsage = [...usage.values()];
    calls = [];
    usage = new Map();
    if (dropped > 0) {
      logger.warn('analytics: calls dropped while the database lagged behind', { dropped });
      dropped = 0;
    }
    for (const chunk of chunks(pendingCalls, STATEMENT_ROWS)) {
      await writeBatch('calls', chunk, (rows) => store.insertCalls(db, rows, options.dialect));
    }
    for (const chunk of chunks(pendingUsage, STATEMENT_ROWS)) {
      await writeBatch('usage', chunk, (rows) => store.addUsage(db, rows));
    }
  }

  /** Writes what is waiting, after any write in progress (one write queued at most); never rejects. */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!queued) {
      queued = true;
      writing = writing.then(() => {
        queued = false;
        return writePending();
      });
    }
    return writing;
  }

  function schedule() {
    if (calls.length >= options.batchSize) void flush();
    else if (!timer && !closed) timer = setTimeout(flush, options.flushMs).unref();
  }

  return {
    flush,

    record(event: CallEvent): void {
      if (closed) return;
      if (calls.length >= options.maxPending) {
        dropped++;
        return;
      }
      calls.push(toRow(event));
      schedule();
    },

    /** Counts one call of a workspace without a monthly limit (nothing to check, so no need to wait). */
    count(workspaceId: string, month: string): void {
      if (closed) return;
      const key = usageKey(workspaceId, month);
      const row = usage.get(key);
      if (row) row.calls++;
      else usage.set(key, { workspace_id: workspaceId, month, calls: 1 });
      schedule();
    },

    async close(): Promise<void> {
      closed = true;
      await flush();
    },
  };
}
