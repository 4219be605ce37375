// Channel names: `/`-separated segments of letters, digits, `_ . -` (the spec's RealtimeChannel).
// `table/<name>` carries the database's change events, and `presence` events announce presence:
// only the platform publishes those.

const CHANNEL = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
export const MAX_CHANNEL_LENGTH = 200;

export function isChannel(name: string): boolean {
  return name.length <= MAX_CHANNEL_LENGTH && CHANNEL.test(name);
}

/** Whether only the platform may publish `event` on `channel`. */
export function isReserved(channel: string, event: string): boolean {
  return channel.startsWith('table/') || event === 'presence';
}
