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
  const [ids] = await appendMany(db, event.project_id, [event], bufferCount);
  return ids!;
}

/**
 * Appends events of one project, in order, in one transaction of four statements however many
 * they are: the project's next ids (its row stays locked until commit, so ids commit in order),
 * each channel's last id and size, the events, and — only for a channel over `bufferCount` — its
 * oldest events' removal. Answers each event's id and its channel's previous id.
 */
export async function appendMany(
  db: Db,
  projectId: string,
  events: Array<Omit<EventRow, 'seq' | 'prev_seq'>>,
  bufferCount: number,
): Promise<Array<{ seq: number; prev_seq: number | null }>> {
  // PostgreSQL may pick this transaction as the victim of a deadlock with the age sweep (both
  // delete old rows of a channel): nothing was committed, so it is simply run again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendOnce(db, projectId, events, bufferCount);
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= 3) throw error;
    }
  }
}

/** PostgreSQL's `deadlock_detected`. */
const DEADLOCK = '40P01';

async function appendOnce(
  db: Db,
  projectId: string,
  events: Array<Omit<EventRow, 'seq' | 'prev_seq'>>,
  bufferCount: number,
): Promise<Array<{ seq: number; prev_seq: number | null }>> {
  return db.transaction().execute(async (tx) => {
    const count = events.length;
    const { seq: last } = await tx
      .insertInto('realtime_sequences')
      .values({ project_id: projectId, seq: count })
      .onConflict((oc) =>
        oc.column('project_id').doUpdateSet({ seq: sql`realtime_sequences.seq + ${count}` }),
      )
      .returning('seq')
      .executeTakeFirstOrThrow();
    // Read under the project's lock: no other message of these channels can come in between.
    const channels = [...new Set(events.map((e) => e.channel))];
    const stats = await tx
      .selectFrom('realtime_events')
      .select((eb) => ['channel', eb.fn.max('seq').as('last'), eb.fn.countAll().as('size')])
      .where('project_id', '=', projectId)
      .where('channel', 'in', channels)
      .groupBy('channel')
      .execute();
    const lastOf = new Map(stats.map((s) => [s.channel, Number(s.last)]));
    const sizeOf = new Map(stats.map((s) => [s.channel, Number(s.size)]));
    let seq = Number(last) - count;
    const rows = events.map((event) => {
      seq += 1;
      const row = { ...event, seq, prev_seq: lastOf.get(event.channel) ?? null };
      lastOf.set(event.channel, seq);
      sizeOf.set(event.channel, (sizeOf.get(event.channel) ?? 0) + 1);
      return row;
    });
    await tx.insertInto('realtime_events').values(rows).execute();
    for (const channel of channels) {
      if ((sizeOf.get(channel) ?? 0) > bufferCount) await prune(tx, projectId, channel, bufferCount);
    }
    return rows.map((row) => ({ seq: row.seq, prev_seq: row.prev_seq }));
  });
}

/** Drops the channel's events beyond its newest `bufferCount`, recording the highest dropped id. */
async function prune(db: Db, projectId: string, channel: string, bufferCount: number): Promise<void> {
  const edge = await db
    .selectFrom('realtime_events')
    .select('seq')
    .where('project_id', '=', projectId)
    .where('channel', '=', channel)
    .orderBy('seq', 'desc')
    .limit(1)
    .offset(bufferCount)
    .executeTakeFirst();
  if (!edge) return;
  await db
    .deleteFrom('realtime_events')
    .where('project_id', '=', projectId)
    .where('channel', '=', channel)
    .where('seq', '<=', edge.seq)
    .execute();
  await markPruned(db, projectId, channel, Number(edge.seq));
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
