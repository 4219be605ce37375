import type { Kysely } from 'kysely';
import { type Principal, userIdOf } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import type { JsonValue } from '../../services/bus/index.js';
import type { PresenceRow, RealtimeTables } from './store.js';

/** The largest presence state, as JSON. */
export const MAX_STATE_BYTES = 1024;
const BATCH = 500;

export type PresenceAction = 'join' | 'update' | 'leave';
type Announce = (projectId: string, channel: string, change: JsonValue) => Promise<unknown>;

/**
 * Who may refresh or remove an entry: the signed-in user, else the credential that tracked it
 * (every browser on one publishable key shares it). The secret key may change any entry.
 */
function ownerOf(principal: Principal): string {
  const userId = userIdOf(principal);
  if (userId) return `user:${userId}`;
  return `${principal.scheme}:${principal.credentialId ?? principal.subject}`;
}

const mayChange = (principal: Principal, row: PresenceRow) =>
  principal.scheme === 'secretKey' || row.owner === ownerOf(principal);

export function entryOf(row: PresenceRow) {
  return {
    channel: row.channel,
    key: row.key,
    state: JSON.parse(row.state) as JsonValue,
    userId: row.user_id,
    joinedAt: new Date(Number(row.joined_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  };
}

const changeOf = (action: PresenceAction, row: PresenceRow): JsonValue => ({
  action,
  key: row.key,
  state: JSON.parse(row.state) as JsonValue,
  userId: row.user_id,
});

const conflict = (channel: string, key: string) =>
  new ApiError(
    'realtime/presence-conflict',
    `Another caller holds the presence key "${key}" on "${channel}".`,
  );

/**
 * Presence: entries in the metadata database that live for the TTL unless refreshed, or as long as
 * the stream they are bound to stays open (its process refreshes them). Whoever removes an entry
 * (untrack, stream close, expiry sweep) deletes it with RETURNING, so exactly one `leave` is sent.
 */
export function createPresence(options: {
  db: Kysely<RealtimeTables>;
  dialect: 'sqlite' | 'postgres';
  ttlSeconds: number;
  announce: Announce;
  onError: (msg: string, fields: Record<string, unknown>) => void;
}) {
  const { db, announce } = options;
  const ttlMs = options.ttlSeconds * 1000;
  /** Streams open in this process, whose bound entries it keeps alive. */
  const openStreams = new Set<string>();

  async function leave(rows: PresenceRow[]): Promise<void> {
    for (const row of rows) await announce(row.project_id, row.channel, changeOf('leave', row));
  }

  async function sweep(): Promise<void> {
    const gone = await db
      .deleteFrom('realtime_presence')
      .where('expires_at', '<=', Date.now())
      .returningAll()
      .execute();
    await leave(gone);
  }

  async function keepAlive(): Promise<void> {
    const streams = [...openStreams];
    const now = Date.now();
    for (let i = 0; i < streams.length; i += BATCH) {
      await db
        .updateTable('realtime_presence')
        .set({ expires_at: now + ttlMs })
        .where('stream_id', 'in', streams.slice(i, i + BATCH))
        .where('expires_at', '>', now)
        .execute();
    }
  }

  // Refreshing three times per TTL keeps a bound entry alive through one late tick.
  const tickMs = Math.min(5_000, Math.max(100, Math.floor(ttlMs / 3)));
  const timer = setInterval(() => {
    Promise.all([sweep(), keepAlive()]).catch((error) =>
      options.onError('realtime: presence upkeep failed', { error: String(error) }),
    );
  }, tickMs);
  timer.unref();

  return {
    async track(
      principal: Principal,
      projectId: string,
      input: { channel: string; key: string; state?: JsonValue; streamId?: string },
    ) {
      const state = JSON.stringify(input.state ?? {});
      if (Buffer.byteLength(state) > MAX_STATE_BYTES) {
        throw new ApiError(
          'realtime/state-too-large',
          `The state is ${Buffer.byteLength(state)} bytes of JSON; at most ${MAX_STATE_BYTES}.`,
        );
      }
      for (let attempt = 0; ; attempt++) {
        const result = await db.transaction().execute(async (tx) => {
          const now = Date.now();
          let select = tx
            .selectFrom('realtime_presence')
            .selectAll()
            .where('project_id', '=', projectId)
            .where('channel', '=', input.channel)
            .where('key', '=', input.key);
          if (options.dialect === 'postgres') select = select.forUpdate();
          const existing = await select.executeTakeFirst();
          const live = existing !== undefined && Number(existing.expires_at) > now;
          if (live && !mayChange(principal, existing)) throw conflict(input.channel, input.key);
          const row: PresenceRow = {
            project_id: projectId,
            channel: input.channel,
            key: input.key,
            owner: live ? existing.owner : ownerOf(principal),
            user_id: live ? existing.user_id : userIdOf(principal),
            state,
            stream_id: input.streamId ?? (live ? existing.stream_id : null),
            joined_at: live ? Number(existing.joined_at) : now,
            expires_at: now + ttlMs,
          };
          if (existing) {
            await tx
              .updateTable('realtime_presence')
              .set(row)
              .where('project_id', '=', projectId)
              .where('channel', '=', input.channel)
              .where('key', '=', input.key)
              .execute();
          } else {
            // A concurrent first track of the same key wins the insert; this one then starts over.
            const inserted = await tx
              .insertInto('realtime_presence')
              .values(row)
              .onConflict((oc) => oc.columns(['project_id', 'channel', 'key']).doNothing())
              .executeTakeFirst();
            if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return null;
          }
          const action: PresenceAction | null = !live ? 'join' : existing.state !== state ? 'update' : null;
          return { row, action };
        });
        if (!result) {
          if (attempt < 5) continue;
          throw conflict(input.channel, input.key);
        }
        if (result.action) await announce(projectId, input.channel, changeOf(result.action, result.row));
        return entryOf(result.row);
      }
    },

    async untrack(principal: Principal, projectId: string, channel: string, key: string): Promise<boolean> {
      const existing = await db
        .selectFrom('realtime_presence')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('channel', '=', channel)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!existing) return false;
      const live = Number(existing.expires_at) > Date.now();
      if (live && !mayChange(principal, existing)) throw conflict(channel, key);
      const gone = await db
        .deleteFrom('realtime_presence')
        .where('project_id', '=', projectId)
        .where('channel', '=', channel)
        .where('key', '=', key)
        .where('owner', '=', existing.owner)
        .returningAll()
        .execute();
      // An expired entry is the sweep's to announce; one deleted here never reaches it.
      await leave(gone);
      return live && gone.length > 0;
    },

    /** Live entries of a channel by key, after `afterKey`. */
    async list(projectId: string, channel: string, afterKey: string | null, limit: number) {
      let query = db
        .selectFrom('realtime_presence')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('channel', '=', channel)
        .where('expires_at', '>', Date.now());
      if (afterKey !== null) query = query.where('key', '>', afterKey);
      return query.orderBy('key').limit(limit).execute();
    },

    streamOpened(streamId: string): void {
      openStreams.add(streamId);
    },

    /** The stream closed: its entries leave now. */
    async streamClosed(streamId: string): Promise<void> {
      openStreams.delete(streamId);
      const gone = await db
        .deleteFrom('realtime_presence')
        .where('stream_id', '=', streamId)
        .returningAll()
        .execute();
      await leave(gone);
    },

    sweep,

    close(): void {
      clearInterval(timer);
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
