import type { Kysely } from 'kysely';
import type { Bus } from '../../services/bus/index.js';
import { type EventRow, lastSeq, type RealtimeTables, tail } from './store.js';

/** The bus channel that wakes every worker and node after a publish: `{ p: projectId, s: id }`. */
export const PUBLISHED = 'realtime.published';
const PAGE = 500;
/** How often a reader checks for events whose wake-up was lost. */
const POLL_MS = 5_000;

/** One open stream, as the hub sees it. */
export interface Listener {
  channels: ReadonlySet<string>;
  /** Receives each event of its channels after it joined, in id order. */
  push(event: EventRow): void;
  /** Told, before `event`, that messages of its channel before it were dropped unread. */
  lost(event: EventRow): void;
}

interface ProjectTail {
  /** Every event up to here has been read and handed to the listeners of the moment. */
  cursor: number;
  /** The highest id a wake-up announced. */
  wanted: number;
  /** The cursor when the reader started: it has read every message of the project after it. */
  origin: number;
  /** The last id read of each channel since `origin`. */
  seen: Map<string, number>;
  listeners: Set<Listener>;
  ready: Promise<void>;
  reading: boolean;
}

/**
 * This process's fan-out. The database is the truth and the bus only a wake-up: for each project
 * with listeners here, one reader follows the project's events in id order (one query per wake-up,
 * whatever the number of listeners) and hands each to the listeners of its channel. Because a
 * publish commits before it announces, and ids commit in order, reading "after the cursor" never
 * skips an event, wherever it was published.
 */
export function createHub(options: {
  db: Kysely<RealtimeTables>;
  bus: Bus;
  onError: (msg: string, fields: Record<string, unknown>) => void;
}) {
  const { db, bus } = options;
  const tails = new Map<string, ProjectTail>();

  async function read(projectId: string, t: ProjectTail): Promise<void> {
    if (t.reading) return;
    t.reading = true;
    try {
      while (t.wanted > t.cursor && tails.get(projectId) === t) {
        // Announced, hence committed, before the query starts: the query sees everything up to it.
        // (A wake-up arriving during the query may name an id the query did not see.)
        const target = t.wanted;
        const rows = await tail(db, projectId, t.cursor, PAGE);
        for (const row of rows) {
          t.cursor = Number(row.seq);
          // The channel's previous message is after what this reader has read of it: the buffer
          // dropped it (the reader fell more than the count bound behind on this channel).
          const previous = row.prev_seq === null ? null : Number(row.prev_seq);
          const gap = previous !== null && previous > (t.seen.get(row.channel) ?? t.origin);
          t.seen.set(row.channel, t.cursor);
          for (const listener of t.listeners) {
            if (!listener.channels.has(row.channel)) continue;
            if (gap) listener.lost(row);
            listener.push(row);
          }
        }
        // A short page read everything up to `target`; ids below it that it lacks were pruned.
        if (rows.length < PAGE) t.cursor = Math.max(t.cursor, target);
      }
    } catch (error) {
      options.onError('realtime: reading new events failed', { projectId, error: String(error) });
    } finally {
      t.reading = false;
    }
  }

  function wake(projectId: string, seq: number): void {
    const t = tails.get(projectId);
    if (!t) return;
    t.wanted = Math.max(t.wanted, seq);
    // Also after a failed read: the next wake-up or poll retries from the cursor.
    if (t.wanted > t.cursor && !t.reading) void t.ready.then(() => read(projectId, t));
  }

  const unsubscribe = bus.subscribe(PUBLISHED, (message) => {
    const { p, s } = message as { p: string; s: number };
    wake(p, s);
  });

  // A wake-up lost between nodes (a dropped Redis or PostgreSQL connection) would hold back
  // delivery until the next publish of the project: each reader also looks by itself now and then.
  const poll = setInterval(() => {
    for (const [projectId, t] of tails) {
      void t.ready
        .then(() => lastSeq(db, projectId))
        .then((seq) => wake(projectId, seq))
        .catch((error) =>
          options.onError('realtime: polling for new events failed', { projectId, error: String(error) }),
        );
    }
  }, POLL_MS);
  poll.unref();

  return {
    /**
     * Starts handing `listener` the events of its channels; resolves with the id after which it
     * receives them (everything up to it was committed before it joined).
     */
    async join(projectId: string, listener: Listener): Promise<number> {
      let t = tails.get(projectId);
      if (!t) {
        const created: ProjectTail = {
          cursor: 0,
          wanted: 0,
          origin: 0,
          seen: new Map(),
          listeners: new Set(),
          reading: false,
          ready: lastSeq(db, projectId).then((seq) => {
            created.cursor = Math.max(created.cursor, seq);
            created.origin = created.cursor;
            created.wanted = Math.max(created.wanted, seq);
          }),
        };
        tails.set(projectId, created);
        t = created;
        try {
          await t.ready;
        } catch (error) {
          tails.delete(projectId);
          throw error;
        }
        // Wake-ups that arrived while the cursor was being read.
        void read(projectId, t);
      } else {
        await t.ready;
        // Its last listener left meanwhile and the reader is gone: start a new one.
        if (tails.get(projectId) !== t) return this.join(projectId, listener);
      }
      t.listeners.add(listener);
      return t.cursor;
    },

    leave(projectId: string, listener: Listener): void {
      const t = tails.get(projectId);
      if (!t) return;
      t.listeners.delete(listener);
      if (t.listeners.size === 0) tails.delete(projectId);
    },

    /** Announces a committed event to every worker and node. */
    async announce(projectId: string, seq: number): Promise<void> {
      await bus.publish(PUBLISHED, { p: projectId, s: seq });
    },

    close() {
      clearInterval(poll);
      unsubscribe();
    },
  };
}

export type Hub = ReturnType<typeof createHub>;
