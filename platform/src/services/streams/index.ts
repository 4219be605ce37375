import { type Database, tables } from '../../db/database.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Logger } from '../../lib/logger.js';
import * as store from './store.js';

export { migrations } from './migrations.js';
export type { StreamTables } from './store.js';

/** How long a stream's record outlives the last push of its worker (a crashed worker's streams lapse). */
export const LEASE_MS = 60_000;
/** How often a worker pushes its streams' expiry on (and sweeps lapsed records). */
export const RENEW_MS = 20_000;

/** A stream recorded as open: `close` forgets it (idempotent). */
export interface OpenStream {
  readonly id: string;
  close(): void;
}

/**
 * The long-lived event streams open on every worker and node (decision 0045): a record per stream
 * in the platform database, kept alive by the worker that holds it, so that a cap holds on all of
 * them together (the streams of one workspace token, of one signed-in user) and a worker can tell
 * whether a stream another one holds exists (a legacy MCP session a POST names).
 */
export interface StreamRegistry {
  /**
   * Records a stream counted against `scope` (e.g. `gateway-token:<id>`), with `id` or a new one;
   * null when `scope` holds `max` open streams already.
   */
  open(scope: string, kind: string, max: number, id?: string): Promise<OpenStream | null>;
  /** The live stream `id`, held by any worker or node, or null. */
  find(id: string): Promise<{ scope: string; kind: string } | null>;
  /** Pushes the expiry of this worker's streams on and sweeps lapsed records, now (the timer does it every 20 s). */
  renew(): Promise<void>;
  /** Stops renewing (the platform is closing; its streams ended and forgot themselves). */
  close(): void;
}

/** The registry on `database`; `clock` (epoch ms) dates the leases, moved by tests instead of waiting. */
export function createStreamRegistry(
  database: Database,
  logger: Logger,
  clock: () => number = Date.now,
): StreamRegistry {
  const db = tables<store.StreamTables>(database);
  const local = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const report = (what: string) => (error: unknown) =>
    logger.error(`open streams: could not ${what}`, {
      error: error instanceof Error ? error.message : String(error),
    });

  async function renew(): Promise<void> {
    const now = clock();
    await store.touch(db, [...local], now + LEASE_MS);
    await store.sweep(db, now);
  }

  function forget(id: string): void {
    if (!local.delete(id)) return;
    if (local.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
    store.remove(db, id).catch(report('forget a closed stream'));
  }

  return {
    async open(scope, kind, max, id = randomBase62(32)) {
      const now = clock();
      const row = { id, scope, kind, expires_at: now + LEASE_MS };
      if (!(await store.insertUnder(db, database.dialect, row, now, max))) return null;
      local.add(id);
      timer ??= setInterval(() => void renew().catch(report('renew open streams')), RENEW_MS).unref();
      return { id, close: () => forget(id) };
    },
    async find(id) {
      const row = await store.live(db, id, clock());
      return row ? { scope: row.scope, kind: row.kind } : null;
    },
    renew,
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
