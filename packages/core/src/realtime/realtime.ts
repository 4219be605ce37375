import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import type { components } from '../generated/openapi';
import { openEventStream } from '../stream/event-stream';
import type { EventStream, EventStreamOptions } from '../stream/types';
import type { Http } from '../transport/http-types';
import type { JsonValue } from '../types/json';
import type { Page } from '../types/models';

type Schemas = components['schemas'];

/** A message published on a channel (`data` typed as you publish it). */
export type RealtimeMessage<T = JsonValue> = Omit<Schemas['RealtimeMessage'], 'data'> & { data: T };
/** Someone present on a channel. */
export type PresenceEntry = Schemas['PresenceEntry'];
/** A `presence` message's data: who joined, changed or left. */
export type PresenceChange = Schemas['PresenceChange'];

/**
 * The events of a realtime stream: `subscribed` first (with the `streamId` presence can bind to),
 * then each `message`; `missed` when a resumed stream lost messages the buffer no longer has.
 */
export interface RealtimeEvents<T = JsonValue> {
  subscribed: Schemas['RealtimeSubscribed'];
  message: RealtimeMessage<T>;
  missed: Schemas['RealtimeMissed'];
}

/**
 * Channels of the project (`chat/room-1`; `table/<name>` for database changes): subscribe over
 * a reconnecting event stream, publish, read the recent history, and presence. End users may do
 * what the project's rules allow.
 *
 * @example
 * const stream = client.realtime.subscribe('chat/room-1');
 * for await (const event of stream) {
 *   if (event.event === 'message') console.log(event.data.event, event.data.data);
 * }
 */
export interface RealtimeApi {
  /**
   * One stream for `channels`. It reconnects after a drop and resumes with `Last-Event-ID`, so
   * no message is lost or repeated while the replay buffer still has it (else a `missed` event).
   * Each connection asks the client's credential again, so a refreshed session carries on.
   */
  subscribe<T = JsonValue>(
    channels: string | readonly string[],
    options?: EventStreamOptions,
  ): EventStream<RealtimeEvents<T>>;
  publish<T = JsonValue>(
    channel: string,
    event: string,
    data: T,
    options?: RequestOptions,
  ): Promise<RealtimeMessage<T>>;
  /** The channel's buffered messages, newest first. */
  history<T = JsonValue>(
    channel: string,
    options?: RequestOptions & { limit?: number; cursor?: string },
  ): Promise<Page<RealtimeMessage<T>>>;
  /** Who is on the channel now. */
  presence(
    channel: string,
    options?: RequestOptions & { limit?: number; cursor?: string },
  ): Promise<Page<PresenceEntry>>;
  /** Announces (or refreshes) `key` on the channel; with `streamId` it leaves when that stream closes. */
  track(params: Schemas['PresenceTrack'], options?: RequestOptions): Promise<PresenceEntry>;
  untrack(channel: string, key: string, options?: RequestOptions): Promise<boolean>;
}

export function createRealtimeApi(http: Http): RealtimeApi {
  return {
    subscribe(channels, options) {
      const query = new URLSearchParams();
      for (const channel of typeof channels === 'string' ? [channels] : channels)
        query.append('channel', channel);
      return openEventStream({ http }, `/v1/realtime/events?${query}`, options);
    },
    async publish(channel, event, data, options) {
      const body = { channel, event, data: data as JsonValue };
      const message = await http.POST('/v1/realtime/messages', { body, ...pickRequestOptions(options) });
      return message as RealtimeMessage<never>;
    },
    async history(channel, options = {}) {
      const { limit, cursor } = options;
      const page = await http.GET('/v1/realtime/messages', {
        params: { query: { channel, limit, cursor } },
        ...pickRequestOptions(options),
      });
      return page as Page<RealtimeMessage<never>>;
    },
    presence(channel, options = {}) {
      const { limit, cursor } = options;
      return http.GET('/v1/realtime/presence', {
        params: { query: { channel, limit, cursor } },
        ...pickRequestOptions(options),
      });
    },
    track: (body, options) => http.PUT('/v1/realtime/presence', { body, ...pickRequestOptions(options) }),
    async untrack(channel, key, options) {
      const result = await http.DELETE('/v1/realtime/presence', {
        params: { query: { channel, key } },
        ...pickRequestOptions(options),
      });
      return result.untracked;
    },
  };
}
