import type { JsonValue } from './types.js';

// Between nodes a message travels as {"o": origin node, "c": channel, "m": message}: the origin
// lets a node drop the echo of its own messages (combineBuses), which it delivered locally.

export interface Envelope {
  o: string;
  c: string;
  m: JsonValue;
}

export function parseEnvelope(text: string): Envelope | null {
  try {
    const value = JSON.parse(text) as Partial<Envelope> | null;
    if (value && typeof value.o === 'string' && typeof value.c === 'string' && 'm' in value) {
      return value as Envelope;
    }
  } catch {}
  return null;
}

export function envelope(origin: string, channel: string, messageText: string): string {
  return `{"o":${JSON.stringify(origin)},"c":${JSON.stringify(channel)},"m":${messageText}}`;
}
