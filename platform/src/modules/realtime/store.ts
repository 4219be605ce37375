import { type Kysely, sql } from 'kysely';

export interface RealtimeTables {
  realtime_sequences: { project_id: string; seq: number };
  realtime_events: EventRow;
  realtime_pruned: { project_id: string; channel: string; seq: number };
  realtime_presence: PresenceRow;
}

export interface EventRow {
  project_id: string;
  seq: number;
  channel: string;
  event: string;
  /** JSON text. */
  data: string;
  /** Epoch milliseconds. */
  published_at: number;
  /** The signed-in end user who published it; null for keys and the platform. */
  user_id: string | null;
  /** The id of the channel's previous message (null for its first). */
  prev_seq: number | null;
  /** A database change event: the table and (JSON) row the rules decide visibility on. */
  row_table: string | null;
  row_data: string | null;
}

export interface PresenceRow {
  project_id: string;
  channel: string;
  key: string;
  /** Who may refresh or remove the entry (see presence.ts `ownerOf`). */
  owner: string;
  user_id: string | null;
  state: string;
  stream_id: string | null;
  joined_at: number;
  expires_at: number;
}

type Db = Kysely<RealtimeTables>;

/** Keeps the larger id on conflict: prunes of one channel may commit in any order. */
const higherSeq = sql<number>`CASE WHEN excluded.seq > realtime_pruned.seq THEN excluded.seq ELSE realtime_pruned.seq END`;

/**
 * Appends an event in one transaction: the next id of the project (its row stays locked until
 * commit, so ids commit in order), the event, and the channel's count bound.
 */
export async function append(
  db: Db,
  event: Omit<EventRow, 'seq' | 'prev_seq'>,
  bufferCount: number,
): Promise<{ seq: number; prev_seq: number | null }> {
  // PostgreSQL may pick this transaction as the victim of a deadlock with the age sweep (both
  // delete old rows of a channel): nothing was committed, so it is simply run again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendOnce(db, event, bufferCount);
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= 3) throw error;
    }
  }
}

/** PostgreSQL's `deadlock_detected`. */
const DEADLOCK = '40P01';

async function appendOnce(
  db: Db,
  event: Omit<EventRow, 'seq' | 'prev_seq'>,
  bufferCount: number,
): Promise<{ seq: number; prev_seq: number | null }> {
  return db.transaction().execute(async (tx) => {
    const { seq } = await tx
      .insertInto('realtime_sequences')
      .values({ project_id: event.project_id, seq: 1 })
      .onConflict((oc) => oc.column('project_id').doUpdateSet({ seq: sql`realtime_sequences.seq + 1` }))
      .returning('seq')
      .executeTakeFirstOrThrow();
    // Read under the project's lock: no other message of the channel can come in between.
    const previous = await tx
      .selectFrom('realtime_events')
      .select('seq')
      .where('project_id', '=', event.project_id)
      .where('channel', '=', event.channel)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    await tx
      .insertInto('realtime_events')
      .values({ ...event, seq: Number(seq), prev_seq: previous ? Number(previous.seq) : null })
      .execute();
    const edge = await tx
      .selectFrom('realtime_events')
      .select('seq')
      .where('project_id', '=', event.project_id)
      .where('channel', '=', event.channel)
      .orderBy('seq', 'desc')
      .limit(1)
      .offset(bufferCount)
      .executeTakeFirst();
    if (edge) {
      await tx
        .deleteFrom('realtime_events')
        .where('project_id', '=', event.project_id)
        .where('channel', '=', event.channel)
        .where('seq', '<=', edge.seq)
        .execute();
      await markPruned(tx, event.project_id, event.channel, Number(edge.seq));
    }
    return { seq: Number(seq), prev_seq: previous ? Number(previous.seq) : null };
  });
}

async function markPruned(db: Db, projectId: string, channel: string, seq: number): Promise<void> {
  await db
    .insertInto('realtime_pruned')
    .values({ project_id: projectId, channel, seq })
    .onConflict((oc) => oc.columns(['project_id', 'channel']).doUpdateSet({ seq: higherSeq }))
    .execute();
}

/** The project's last id (0 before its first message): every event up to it has committed. */
export async function lastSeq(db: Db, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('realtime_sequences')
    .select('seq')
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Events of the project after `seq`, every channel, in id order (the live tail). */
export async function tail(db: Db, projectId: string, after: number, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('realtime_events')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Buffered events of `channels` after `seq`, not older than `since`, in id order (a replay). */
export async function replay(
  db: Db,
  projectId: string,
  channels: string[],
  after: number,
  since: number,
  limit: number,
): Promise<EventRow[]> {
  return db
    .selectFrom('realtime_events')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('channel', 'in', channels)
    .where('seq', '>', after)
    .where('published_at', '>=', since)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/**
 * The channels among `channels` whose buffer no longer holds everything published after `seq`:
 * their dropped ids reach past it, or an event after it is older than `since`.
 */
export async function gaps(
  db: Db,
  projectId: string,
  channels: string[],
  after: number,
  since: number,
): Promise<string[]> {
  const pruned = await db
    .selectFrom('realtime_pruned')
    .select('channel')
    .where('project_id', '=', projectId)
    .where('channel', 'in', channels)
    .where('seq', '>', after)
    .execute();
  const aged = await db
    .selectFrom('realtime_events')
    .select('channel')
    .distinct()
    .where('project_id', '=', projectId)
    .where('channel', 'in', channels)
    .where('seq', '>', after)
    .where('published_at', '<', since)
    .execute();
  const found = new Set([...pruned, ...aged].map((r) => r.channel));
  return channels.filter((c) => found.has(c));
}

/** A page of one channel's buffered events, newest first, before `before` (an id) when given. */
export async function history(
  db: Db,
  projectId: string,
  channel: string,
  before: number | null,
  since: number,
  limit: number,
): Promise<EventRow[]> {
  let query = db
    .selectFrom('realtime_events')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('channel', '=', channel)
    .where('published_at', '>=', since);
  if (before !== null) query = query.where('seq', '<', before);
  return query.orderBy('seq', 'desc').limit(limit).execute();
}

/** Drops events older than `since` everywhere, recording each channel's highest dropped id. */
export async function sweepEvents(db: Db, since: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const gone = await tx
      .deleteFrom('realtime_events')
      .where('published_at', '<', since)
      .returning(['project_id', 'channel', 'seq'])
      .execute();
    const highest = new Map<string, { projectId: string; channel: string; seq: number }>();
    for (const row of gone) {
      const key = `${row.project_id}\n${row.channel}`;
      const seq = Number(row.seq);
      if ((highest.get(key)?.seq ?? -1) < seq)
        highest.set(key, { projectId: row.project_id, channel: row.channel, seq });
    }
    for (const { projectId, channel, seq } of highest.values()) await markPruned(tx, projectId, channel, seq);
    return gone.length;
  });
}
