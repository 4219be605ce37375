// Channel names: `/`-separated segments of letters, digits, `_ . -` (the spec's RealtimeChannel).
// `table/<name>` carries the database's change events, and `presence` events announce presence:
// only the platform publishes those.

const CHANNEL = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
export const MAX_CHANNEL_LENGTH = 200;

export function isChannel(name: string): boolean {
  return name.length <= MAX_CHANNEL_LENGTH && CHANNEL.test(name);
}

const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The spec's RealtimeEventName. */
export function isEventName(name: string): boolean {
  return EVENT_NAME.test(name);
}

/** Whether only the platform may publish `event` on `channel` (`queue/…` carries job changes, decision 0039). */
export function isReserved(channel: string, event: string): boolean {
  return channel.startsWith('table/') || channel.startsWith('queue/') || event === 'presence';
}
