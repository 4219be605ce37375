import type { Kysely } from 'kysely';
import type { SseEvent } from '../../http/reply/events.js';
import type { Hub, Listener } from './hub.js';
import { type EventRow, gaps, lastSeq, type RealtimeTables, replay } from './store.js';

const PAGE = 500;
/**
 * Events waiting for a slow client. Past this the stream ends after what is queued, and the
 * client's reconnection (Last-Event-ID) resumes from the database: memory stays bounded.
 */
const MAX_QUEUE = 10_000;

export interface Subscription {
  db: Kysely<RealtimeTables>;
  hub: Hub;
  projectId: string;
  channels: string[];
  /** The Last-Event-ID sent, already checked to be digits. */
  lastEventId: string | null;
  streamId: string;
  bufferSeconds: number;
  /** Whether the caller may see this event (database change events are filtered by the rules). */
  visible(row: EventRow): Promise<boolean>;
  signal: AbortSignal;
  /** Events a slow client may have queued before its stream ends (default MAX_QUEUE). */
  maxQueue?: number;
}

/** An event row as the API shows it. */
export function messageOf(row: EventRow) {
  return {
    id: String(row.seq),
    channel: row.channel,
    event: row.event,
    data: JSON.parse(row.data) as unknown,
    publishedAt: new Date(Number(row.published_at)).toISOString(),
    userId: row.user_id,
  };
}

/**
 * One subscriber's events: `subscribed`, then (when resuming) `missed` if the buffer lost some
 * and the replay from the database, then the live events. The hub starts queueing live events
 * before the replay is read, and every event is delivered once, in id order: anything at or below
 * the last delivered id is dropped, so the switch from replay to live has no gap and no duplicate.
 */
export async function* subscription(s: Subscription): AsyncGenerator<SseEvent> {
  /** Live events, and markers (`lost`) of messages the buffer dropped before the hub read them. */
  const queue: Array<{ row: EventRow; lost: boolean }> = [];
  let overflow = false;
  let wake: (() => void) | null = null;
  const enqueue = (row: EventRow, lost: boolean) => {
    if (queue.length >= (s.maxQueue ?? MAX_QUEUE)) overflow = true;
    else queue.push({ row, lost });
    wake?.();
  };
  const listener: Listener = {
    channels: new Set(s.channels),
    push: (row) => enqueue(row, false),
    lost: (row) => enqueue(row, true),
  };
  const onAbort = () => wake?.();
  s.signal.addEventListener('abort', onAbort);
  const start = await s.hub.join(s.projectId, listener);
  try {
    const resume = s.lastEventId === null ? null : Number(s.lastEventId);
    let delivered = resume ?? start;
    // The stream's own id is where it starts, so a client that hears nothing else still resumes
    // from here; a resumed stream keeps the client's id until the replay moves it on.
    yield {
      id: String(delivered),
      event: 'subscribed',
      data: { channels: s.channels, streamId: s.streamId },
    };

    if (resume !== null) {
      const since = Date.now() - s.bufferSeconds * 1000;
      // An id this project never issued (a reset database, another project's id) cannot be resumed.
      const lost =
        resume > (await lastSeq(s.db, s.projectId))
          ? s.channels
          : await gaps(s.db, s.projectId, s.channels, resume, since);
      if (lost.length > 0) {
        yield { event: 'missed', data: { channels: lost, lastEventId: s.lastEventId } };
      }
      // Messages dropped while the replay pages through the buffer: a row whose channel's previous
      // message was not read (the first row of a channel already reported above excepted).
      const seen = new Map<string, number>();
      for (;;) {
        const rows = await replay(s.db, s.projectId, s.channels, delivered, since, PAGE);
        for (const row of rows) {
          if (s.signal.aborted) return;
          const known = seen.get(row.channel);
          const previous = row.prev_seq === null ? null : Number(row.prev_seq);
          if (
            previous !== null &&
            previous > (known ?? resume) &&
            (known !== undefined || !lost.includes(row.channel))
          ) {
            yield { event: 'missed', data: { channels: [row.channel], lastEventId: String(delivered) } };
          }
          seen.set(row.channel, Number(row.seq));
          delivered = Number(row.seq);
          if (await s.visible(row)) yield { id: String(row.seq), event: 'message', data: messageOf(row) };
        }
        if (rows.length < PAGE) break;
      }
    }

    let next = 0;
    for (;;) {
      while (next < queue.length) {
        const { row, lost } = queue[next++]!;
        if (Number(row.seq) <= delivered) continue;
        if (lost) {
          yield { event: 'missed', data: { channels: [row.channel], lastEventId: String(delivered) } };
          continue;
        }
        delivered = Number(row.seq);
        if (await s.visible(row)) yield { id: String(row.seq), event: 'message', data: messageOf(row) };
        if (s.signal.aborted) return;
      }
      queue.length = 0;
      next = 0;
      if (overflow || s.signal.aborted) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    s.signal.removeEventListener('abort', onAbort);
    s.hub.leave(s.projectId, listener);
  }
}
