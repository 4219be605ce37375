import { tables } from '../../../db/database.js';
import { randomBase62 } from '../../../lib/ids.js';
import type { Services } from '../../../services.js';
import * as store from '../store.js';
import type { Caller } from './types.js';

/** How long a stream's record outlives the last push of its worker (a crashed worker's streams lapse). */
const LEASE_MS = 60_000;
/** How often a worker pushes its streams' expiry on (and sweeps lapsed records). */
const RENEW_MS = 20_000;

export type StreamKind = store.StreamRow['kind'];

/** A stream recorded as open: `close` forgets it (idempotent). */
export interface OpenStream {
  readonly id: string;
  close(): void;
}

/**
 * The gateway's event streams on every worker and node (decision 0045): a record per open stream
 * in the platform database, kept alive by the worker that holds it. It caps the streams one token
 * holds everywhere together, and tells a legacy POST whether the session it names exists on some
 * worker, and whose it is, so that a POST for a session nobody holds is refused (404) rather than
 * accepted into the void.
 */
export function createStreamRegistry(services: Services, clock: () => number = Date.now) {
  const db = tables<store.GatewayTables>(services.database);
  const { maxStreamsPerToken } = services.config.gateway;
  const local = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const report = (what: string) => (error: unknown) =>
    services.logger.error(`gateway streams: could not ${what}`, {
      error: error instanceof Error ? error.message : String(error),
    });

  async function renew(): Promise<void> {
    const now = clock();
    await store.touchStreams(db, [...local], now + LEASE_MS);
    await store.sweepStreams(db, now);
  }

  function closeOne(id: string): void {
    if (!local.delete(id)) return;
    if (local.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
    store.closeStream(db, id).catch(report('forget a closed stream'));
  }

  return {
    /**
     * Records a stream `caller` opens, with `id` (a legacy session's id) or a new one; null when
     * the caller's token already holds `maxStreamsPerToken` open streams.
     */
    async open(caller: Caller, kind: StreamKind, id = randomBase62(32)): Promise<OpenStream | null> {
      const now = clock();
      const opened = await store.openStream(
        db,
        {
          id,
          workspace_id: caller.workspace.id,
          token_id: caller.tokenId ?? '',
          kind,
          expires_at: now + LEASE_MS,
        },
        now,
        maxStreamsPerToken,
      );
      if (!opened) return null;
      local.add(id);
      timer ??= setInterval(() => void renew().catch(report('renew open streams')), RENEW_MS).unref();
      return { id, close: () => closeOne(id) };
    },

    /** The token that holds the live legacy session `id` on some worker or node, or null. */
    async holderOf(id: string): Promise<string | null> {
      const row = await store.liveStream(db, id, clock());
      return row?.kind === 'legacy-sse' ? row.token_id : null;
    },

    /** The error a refused open answers with. */
    tooMany: () =>
      `This token holds ${maxStreamsPerToken} open event streams already: close one, or raise AEROSTACK_GATEWAY_MAX_STREAMS_PER_TOKEN.`,

    /** Stops renewing (the platform is closing; the streams have ended and forgotten themselves). */
    close(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },

    /** Pushes the expiry of this worker's streams now (tests, with a moved clock). */
    renew,
  };
}

export type StreamRegistry = ReturnType<typeof createStreamRegistry>;
