import { setTimeout as sleep } from 'node:timers/promises';
import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { newId } from '../../lib/ids.js';
import type { JsonValue } from '../../services/bus/index.js';
import type { Services } from '../../services.js';
import { SESSIONS_REVOKED } from '../auth/sessions.js';
import { isChannel, isEventName } from './channels.js';
import { createHub } from './hub.js';
import { createPresence } from './presence.js';
import { appendMany, type EventRow, type RealtimeTables, sweepEvents } from './store.js';
import { subscription } from './stream.js';

export const ID_PREFIX = 'rts';
/** The bus channel a project's deletion travels on: every worker and node ends its open streams. */
export const PROJECT_DROPPED = 'realtime.project-dropped';
/** How often each process drops messages older than the buffer's age bound. */
const SWEEP_MS = 60_000;
/** How long shutdown waits for streams that are ending. */
const CLOSE_WAIT_MS = 2_000;

export interface PublishOptions {
  /** A database change event: end users receive it only if the rules let them see this row. */
  row?: { table: string; row: Record<string, unknown> };
  /** The signed-in end user publishing it (shown to subscribers as `userId`). */
  userId?: string | null;
}

/** One message of `publishMany`. */
export interface Message {
  channel: string;
  event: string;
  data: JsonValue;
  options?: PublishOptions;
}

/**
 * Realtime: every published message is a row of the metadata database, whose per-project ids
 * order delivery and resume; the bus only wakes the workers and nodes that have subscribers
 * (decision 0030).
 */
export function createRealtimeService(services: Services) {
  const db = tables<RealtimeTables>(services.database);
  const { bufferCount, bufferSeconds, presenceTtlSeconds, streamMaxSeconds } = services.config.realtime;
  const onError = (msg: string, fields: Record<string, unknown>) => services.logger.error(msg, fields);
  const hub = createHub({ db, bus: services.bus, onError });
  /**
   * Open streams by session (a revoked session's streams end at once) and by `project:<id>` (a
   * deleted project's streams end at once, decision 0048).
   */
  const byOwner = new Map<string, Set<AbortController>>();
  const endAll = (ids: string[]) => {
    for (const id of ids) for (const stream of byOwner.get(id) ?? []) stream.abort();
  };
  const unsubscribers = [
    services.bus.subscribe(SESSIONS_REVOKED, (message) => endAll((message as { ids: string[] }).ids)),
    services.bus.subscribe(PROJECT_DROPPED, (message) =>
      endAll([`project:${(message as { projectId: string }).projectId}`]),
    ),
  ];
  /** Streams still running, each settled once its clean-up is done. */
  const open = new Set<Promise<void>>();

  /** The stored form of a message, its names checked. */
  function rowOf(projectId: string, message: Message) {
    const { channel, event, data, options = {} } = message;
    if (!isChannel(channel)) throw new Error(`realtime: "${channel}" is not a channel name`);
    if (!isEventName(event)) throw new Error(`realtime: "${event}" is not an event name`);
    return {
      project_id: projectId,
      channel,
      event,
      data: JSON.stringify(data),
      published_at: Date.now(),
      row_table: options.row?.table ?? null,
      row_data: options.row ? JSON.stringify(options.row.row) : null,
      user_id: options.userId ?? null,
    };
  }

  /** Stores messages of one project in order, in one transaction, and announces them once. */
  async function publishRows(projectId: string, messages: Message[]): Promise<EventRow[]> {
    const rows = messages.map((message) => rowOf(projectId, message));
    const ids = await appendMany(db, projectId, rows, bufferCount);
    // Stored: a lost wake-up only delays delivery on the nodes that missed it, until the next
    // wake-up or their readers' poll.
    await hub
      .announce(projectId, ids[ids.length - 1]!.seq)
      .catch((error) =>
        onError('realtime: announcing a message failed', { projectId, error: String(error) }),
      );
    return rows.map((row, i) => ({ ...row, ...ids[i]! }));
  }

  /** Stores and announces a message; what the API shows of it. */
  async function publishRow(
    projectId: string,
    channel: string,
    event: string,
    data: JsonValue,
    options: PublishOptions = {},
  ): Promise<EventRow> {
    const [row] = await publishRows(projectId, [{ channel, event, data, options }]);
    return row!;
  }

  const presence = createPresence({
    db,
    dialect: services.database.dialect,
    ttlSeconds: presenceTtlSeconds,
    announce: (projectId, channel, change) => publishRow(projectId, channel, 'presence', change),
    onError,
  });

  const sweep = () =>
    sweepEvents(db, Date.now() - bufferSeconds * 1000).catch((error) =>
      onError('realtime: sweeping old messages failed', { error: String(error) }),
    );
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();

  /** Whether `principal` may see `row` (database change events go through the rules). */
  const visibleTo = (principal: Principal) => async (row: EventRow) =>
    row.row_table === null ||
    principal.scheme === 'secretKey' ||
    services.rules.row(
      principal,
      row.row_table,
      JSON.parse(row.row_data ?? 'null') as Record<string, unknown>,
    );

  /**
   * The stream's check of each message: the rules are asked again (a cached lookup), so a rules
   * change that withdraws the channel ends an end user's open stream with an `error` event.
   */
  const deliverableTo = (principal: Principal) => {
    const visible = visibleTo(principal);
    if (principal.scheme === 'secretKey') return visible;
    return async (row: EventRow) => {
      const decision = await services.rules.channel(principal, row.channel, 'subscribe');
      if (!decision.allowed) {
        throw new ApiError('realtime/channel-denied', `${decision.reason} The stream ends.`);
      }
      return visible(row);
    };
  };

  return {
    /**
     * Publishes `event` with `data` on `channel` of `projectId` to every subscriber on every
     * worker and node, and into the replay buffer. Resolves with the event id.
     */
    async publish(
      projectId: string,
      channel: string,
      event: string,
      data: JsonValue,
      options?: PublishOptions,
    ): Promise<string> {
      return String((await publishRow(projectId, channel, event, data, options)).seq);
    },

    /** The same, answering the stored row (the HTTP API shows it). */
    publishRow,

    /**
     * Publishes several messages of one project, in order, in one write (a queue's job changes):
     * cheaper than one `publish` each. Resolves with their event ids.
     */
    async publishMany(projectId: string, messages: Message[]): Promise<string[]> {
      if (messages.length === 0) return [];
      return (await publishRows(projectId, messages)).map((row) => String(row.seq));
    },

    /** A subscriber's events (see stream.ts), its presence entries bound to the stream's life. */
    async *subscribe(
      principal: Principal,
      projectId: string,
      channels: string[],
      lastEventId: string | null,
      signal: AbortSignal,
    ) {
      const streamId = newId(ID_PREFIX);
      // Ended by the client leaving, by the lifetime bound, or by the revocation of its session.
      const stop = new AbortController();
      const lifetime = setTimeout(() => stop.abort(), streamMaxSeconds * 1000);
      lifetime.unref();
      const owners = [`project:${projectId}`];
      if (principal.scheme === 'userSession' && principal.credentialId) owners.push(principal.credentialId);
      for (const owner of owners) {
        const set = byOwner.get(owner) ?? new Set();
        set.add(stop);
        byOwner.set(owner, set);
      }
      presence.streamOpened(streamId);
      let ended!: () => void;
      const end = new Promise<void>((resolve) => {
        ended = resolve;
      });
      open.add(end);
      try {
        yield* subscription({
          db,
          hub,
          projectId,
          channels,
          lastEventId,
          streamId,
          bufferSeconds,
          visible: deliverableTo(principal),
          signal: AbortSignal.any([signal, stop.signal]),
        });
      } finally {
        clearTimeout(lifetime);
        for (const owner of owners) {
          const set = byOwner.get(owner);
          set?.delete(stop);
          if (set?.size === 0) byOwner.delete(owner);
        }
        await presence
          .streamClosed(streamId)
          .catch((error) =>
            onError('realtime: closing a stream’s presence failed', { error: String(error) }),
          );
        open.delete(end);
        ended();
      }
    },

    visibleTo,
    presence,
    bufferSeconds,
    db,
    /** Drops messages past the age bound now (tests; a timer does it every minute). */
    sweep,

    /** Waits (a little) for ending streams to remove their presence before the database closes. */
    async close() {
      clearInterval(sweeper);
      for (const unsubscribe of unsubscribers) unsubscribe();
      presence.close();
      hub.close();
      await Promise.race([Promise.all(open), sleep(CLOSE_WAIT_MS)]);
    },
  };
}

export type RealtimeService = ReturnType<typeof createRealtimeService>;
