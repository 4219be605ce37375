import type { JsonValue } from '../services/bus/types.js';
import type { RateLimitResult, RateLimitRule } from '../services/rate-limit/types.js';

// The messages between workers and the primary over the IPC channel (JSON). Every message
// carries `$: 'aerostack'`, so other users of the channel are left alone and ignore ours.

export const TAG = 'aerostack';

/** What a worker may ask the primary, and what the answer holds. */
export interface Operations {
  /** Start receiving bus deliveries (and acknowledging them). */
  'bus.attach': { body: Record<string, never>; value: null };
  'bus.detach': { body: Record<string, never>; value: null };
  /** Answered once every attached worker has acknowledged the delivery (or died, or timed out). */
  'bus.publish': { body: { channel: string; message: JsonValue }; value: null };
  'rate-limit.take': { body: { key: string; rule: RateLimitRule }; value: RateLimitResult };
  'rate-limit.forget': { body: { text: string }; value: null };
}
export type Operation = keyof Operations;

export type WorkerMessage =
  | { $: typeof TAG; kind: 'request'; id: string; op: Operation; body: Operations[Operation]['body'] }
  | { $: typeof TAG; kind: 'delivered'; delivery: number };

export type PrimaryMessage =
  | { $: typeof TAG; kind: 'response'; id: string; ok: true; value: unknown }
  | { $: typeof TAG; kind: 'response'; id: string; ok: false; error: { name: string; message: string } }
  | { $: typeof TAG; kind: 'deliver'; delivery: number; channel: string; message: JsonValue };

export function isOurs<M extends WorkerMessage | PrimaryMessage>(message: unknown): message is M {
  return typeof message === 'object' && message !== null && (message as { $?: unknown }).$ === TAG;
}

export type ClusterErrorCode = 'cluster/timeout' | 'cluster/disconnected' | 'cluster/not-a-worker';

export class ClusterError extends Error {
  override name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type ErrorReporter = (msg: string, fields: Record<string, unknown>) => void;
