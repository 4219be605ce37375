import type { AerostackClient, JsonValue, RealtimeMessage } from '@aerostack/core';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useAerostackContext } from '../context.js';

type Status = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface UseSubscriptionOptions<T> {
  /** Only messages with this `event` name. */
  event?: string | undefined;
  /** Only messages this returns true for. */
  filter?: ((message: RealtimeMessage<T>) => boolean) | undefined;
  /** How many of the latest messages `events` keeps; default 100. */
  keep?: number | undefined;
  /** Subscribe only while true (e.g. once signed in); default true. */
  enabled?: boolean | undefined;
}

export interface UseSubscriptionResult<T> {
  /** The latest message's data, or undefined before the first. */
  data: T | undefined;
  /** The latest messages (oldest first), at most `keep`. */
  events: RealtimeMessage<T>[];
  error: Error | null;
  /** True until the stream is subscribed. */
  loading: boolean;
  status: Status;
  /** True after the stream resumed with messages missing from the replay buffer: refetch your state. */
  missed: boolean;
}

// The status of every stream the hooks hold, per client, for useRealtimeStatus.
const statuses = new WeakMap<AerostackClient, Map<symbol, Status>>();
const listeners = new WeakMap<AerostackClient, Set<() => void>>();

function report(client: AerostackClient, id: symbol, status: Status | null) {
  const map = statuses.get(client) ?? new Map<symbol, Status>();
  statuses.set(client, map);
  if (status === null) map.delete(id);
  else map.set(id, status);
  for (const listener of listeners.get(client) ?? []) listener();
}

function overall(client: AerostackClient): Status {
  const all = [...(statuses.get(client)?.values() ?? [])];
  if (all.length === 0) return 'idle';
  for (const status of ['reconnecting', 'connecting', 'closed'] as const)
    if (all.includes(status)) return status;
  return 'open';
}

/**
 * Live messages of a channel: subscribes while mounted, reconnects and resumes on its own (no
 * message lost or repeated while the replay buffer has it), and keeps the latest ones.
 *
 * @example
 * ```tsx
 * const { events, status } = useSubscription<{ body: string }>('chat/lobby', { event: 'message' });
 * return <ul>{events.map((m) => <li key={m.id}>{m.data.body}</li>)}</ul>;
 * ```
 */
export function useSubscription<T = JsonValue>(
  channel: string,
  options: UseSubscriptionOptions<T> = {},
): UseSubscriptionResult<T> {
  const client = useAerostackContext('useSubscription()');
  const { event, keep = 100, enabled = true } = options;
  const [state, setState] = useState<{
    events: RealtimeMessage<T>[];
    error: Error | null;
    subscribed: boolean;
    status: Status;
    missed: boolean;
  }>({ events: [], error: null, subscribed: false, status: 'idle', missed: false });
  // The latest filter without resubscribing when an inline function changes identity.
  const filterRef = useRef(options.filter);
  filterRef.current = options.filter;

  useEffect(() => {
    if (!enabled) return;
    const id = Symbol(channel);
    const stream = client.realtime.subscribe<T>(channel, {
      onStateChange: (status) => {
        report(client, id, status);
        setState((s) => ({ ...s, status }));
      },
    });
    let active = true;
    void (async () => {
      try {
        for await (const item of stream) {
          if (!active) break;
          if (item.event === 'subscribed') setState((s) => ({ ...s, subscribed: true, error: null }));
          else if (item.event === 'missed') setState((s) => ({ ...s, missed: true }));
          else {
            const message = item.data;
            if (event !== undefined && message.event !== event) continue;
            if (filterRef.current && !filterRef.current(message)) continue;
            setState((s) => ({ ...s, events: [...s.events, message].slice(-keep) }));
          }
        }
      } catch (failure) {
        if (active)
          setState((s) => ({ ...s, error: failure instanceof Error ? failure : new Error(String(failure)) }));
      }
    })();
    return () => {
      active = false;
      stream.close();
      report(client, id, null);
    };
  }, [client, channel, event, keep, enabled]);

  const last = state.events.at(-1);
  return {
    data: last?.data,
    events: state.events,
    error: state.error,
    loading: enabled && !state.subscribed && state.error === null,
    status: state.status,
    missed: state.missed,
  };
}

/**
 * One status for every subscription of the provider's client: `open` when all are connected,
 * `reconnecting` or `connecting` when any is, `idle` when there are none.
 *
 * @example
 * ```tsx
 * const status = useRealtimeStatus();
 * return status === 'reconnecting' ? <Banner>Reconnecting…</Banner> : null;
 * ```
 */
export function useRealtimeStatus(): Status {
  const client = useAerostackContext('useRealtimeStatus()');
  return useSyncExternalStore(
    (notify) => {
      const set = listeners.get(client) ?? new Set<() => void>();
      listeners.set(client, set);
      set.add(notify);
      return () => set.delete(notify);
    },
    () => overall(client),
    () => 'idle',
  );
}
