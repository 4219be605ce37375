import type { Principal } from '../../http/auth/principal.js';
import { projectIdOf, userIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { takeOrRefuse } from '../../http/limit.js';
import { ApiError } from '../../http/problem.js';
import { encodeCursor, positionOf } from '../../lib/cursor.js';
import type { JsonValue } from '../../services/bus/index.js';
import type { OpenStream } from '../../services/streams/index.js';
import type { Services } from '../../services.js';
import { defineModule } from '../module.js';
import { isReserved } from './channels.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { entryOf } from './presence.js';
import { createRealtimeService, type RealtimeService } from './service.js';
import { history } from './store.js';
import { messageOf } from './stream.js';

declare module '../../services.js' {
  interface ModuleServices {
    realtime: RealtimeService;
  }
}

type Action = 'subscribe' | 'publish' | 'presence';

/**
 * An end user's stream, counted against their cap on every worker and node (decision 0045): a
 * signed-in user by id, a publishable key alone by client IP. Secret keys (servers) are not capped.
 */
async function countStream(
  services: Services,
  principal: Principal,
  projectId: string,
  clientIp: string,
): Promise<OpenStream | null> {
  if (principal.scheme === 'secretKey') return null;
  const max = services.config.realtime.maxStreamsPerClient;
  const who = principal.userId ?? `ip:${clientIp}`;
  const stream = await services.streams.open(`realtime:${projectId}:${who}`, 'realtime', max);
  if (stream) return stream;
  throw new ApiError(
    'realtime/too-many-streams',
    `At most ${max} open streams per end user (per client IP without a session): close one first.`,
  );
}

/** `events`, its stream record forgotten when it ends or its client goes (whichever comes first). */
async function* forgetting<T>(events: AsyncIterable<T>, stream: OpenStream, signal: AbortSignal) {
  // A client gone before the stream starts never runs the `finally`: the signal forgets it then.
  if (signal.aborted) stream.close();
  else signal.addEventListener('abort', () => stream.close(), { once: true });
  try {
    yield* events;
  } finally {
    stream.close();
  }
}

/** Asks the project's rules; a denial is a 403 whose detail is the rules' reason. */
async function allow(services: Services, principal: Principal, channel: string, action: Action) {
  const decision = await services.rules.channel(principal, channel, action);
  if (!decision.allowed) throw new ApiError('realtime/channel-denied', decision.reason);
}

/** The sort key a history or presence cursor carries. */
function cursorKey(cursor: string | undefined): string | null {
  return positionOf(cursor)?.id ?? null;
}

export default defineModule({
  name: 'realtime',
  migrations,
  dropProject,
  create: createRealtimeService,
  handlers: defineHandlers({
    'realtime.subscribe': async ({ principal, query, services, lastEventId, signal, clientIp }) => {
      const channels = [...new Set(query.channel)];
      for (const channel of channels) await allow(services, principal, channel, 'subscribe');
      const projectId = projectIdOf(principal);
      const counted = await countStream(services, principal, projectId, clientIp);
      const events = services.realtime.subscribe(principal, projectId, channels, lastEventId, signal);
      return { status: 200, events: counted ? forgetting(events, counted, signal) : events };
    },

    'realtime.publish': async ({ principal, body, services, clientIp }) => {
      if (isReserved(body.channel, body.event)) {
        throw new ApiError(
          'realtime/reserved-channel',
          body.event === 'presence'
            ? 'The event name "presence" is sent by the platform only; track presence with realtime.track.'
            : `"${body.channel}" carries ${body.channel.startsWith('queue/') ? "the queue's job changes" : 'database change events'}, published by the platform only.`,
        );
      }
      await allow(services, principal, body.channel, 'publish');
      if (principal.scheme !== 'secretKey') {
        const projectId = projectIdOf(principal);
        const who = principal.userId ?? `ip:${clientIp}`;
        const limit = services.config.realtime.userPublishPerMinute;
        await takeOrRefuse(
          services.rateLimiter,
          `realtime.publish:${projectId}:${who}`,
          { limit, windowSeconds: 60 },
          `At most ${limit} messages a minute per end user.`,
        );
      }
      const row = await services.realtime.publishRow(
        projectIdOf(principal),
        body.channel,
        body.event,
        body.data as JsonValue,
        { userId: userIdOf(principal) },
      );
      return { status: 201, body: messageOf(row) as never };
    },

    'realtime.history': async ({ principal, query, services }) => {
      await allow(services, principal, query.channel, 'subscribe');
      const key = cursorKey(query.cursor);
      const before = key === null ? null : Number(key);
      if (before !== null && !Number.isSafeInteger(before)) {
        throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this API.');
      }
      const limit = query.limit ?? 50;
      const since = Date.now() - services.realtime.bufferSeconds * 1000;
      const rows = await history(
        services.realtime.db,
        projectIdOf(principal),
        query.channel,
        before,
        since,
        limit + 1,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const visible = services.realtime.visibleTo(principal);
      const data = [];
      for (const row of page) if (await visible(row)) data.push(messageOf(row));
      return {
        status: 200,
        body: {
          data: data as never,
          nextCursor:
            rows.length > limit && last
              ? encodeCursor({
                  createdAt: new Date(Number(last.published_at)).toISOString(),
                  id: String(last.seq),
                })
              : null,
        },
      };
    },

    'realtime.presence': async ({ principal, query, services }) => {
      await allow(services, principal, query.channel, 'subscribe');
      const limit = query.limit ?? 50;
      const rows = await services.realtime.presence.list(
        projectIdOf(principal),
        query.channel,
        cursorKey(query.cursor),
        limit + 1,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        status: 200,
        body: {
          data: page.map(entryOf) as never,
          nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: '', id: last.key }) : null,
        },
      };
    },

    'realtime.track': async ({ principal, body, services }) => {
      await allow(services, principal, body.channel, 'presence');
      const entry = await services.realtime.presence.track(principal, projectIdOf(principal), {
        channel: body.channel,
        key: body.key,
        ...(body.state === undefined ? {} : { state: body.state as JsonValue }),
        ...(body.streamId === undefined ? {} : { streamId: body.streamId }),
      });
      return { status: 200, body: entry as never };
    },

    'realtime.untrack': async ({ principal, query, services }) => {
      await allow(services, principal, query.channel, 'presence');
      const untracked = await services.realtime.presence.untrack(
        principal,
        projectIdOf(principal),
        query.channel,
        query.key,
      );
      return { status: 200, body: { untracked } };
    },
  }),
});
