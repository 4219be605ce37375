// The end user's session on the client: persisted, refreshed before it expires by exactly one
// caller at a time (one in-flight refresh per tab, and across tabs one holder of a Web Lock),
// and announced to listeners and to the other tabs.

/** A signed-in end user's tokens, as the platform returns them (plus the user). */
export interface Session<User = unknown> {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, as an RFC 3339 time. */
  expiresAt: string;
  user: User;
}

/**
 * Where the session is kept between page loads: `localStorage` in browsers (the default there),
 * memory elsewhere, or anything with these three methods (sync or async), e.g. a cookie store.
 */
export interface SessionStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

export type AuthChangeEvent =
  | 'INITIAL_SESSION'
  | 'SIGNED_IN'
  | 'SIGNED_OUT'
  | 'TOKEN_REFRESHED'
  | 'USER_UPDATED';

export type AuthStateListener<User> = (event: AuthChangeEvent, session: Session<User> | null) => void;

export interface SessionStoreOptions<User> {
  /** Trades a refresh token for a new session; rejects when the platform refuses it. */
  refresh(refreshToken: string): Promise<Session<User>>;
  storage?: SessionStorage | undefined;
  /** The storage key, lock name and channel name; default `aerostack.auth`. */
  key?: string | undefined;
  /** Refresh this long before the access token expires; default 60 000 ms. */
  refreshMarginMs?: number | undefined;
  /**
   * Cross-tab coordination: by default the browser's `navigator.locks` and `BroadcastChannel`
   * when the storage is the default `localStorage`, none otherwise.
   */
  locks?: LockManagerLike | null | undefined;
  channel?: ChannelLike | null | undefined;
  /** For tests: the clock. */
  now?: (() => number) | undefined;
  /** Whether a refresh failure means the session is dead (signed out) rather than unreachable. */
  isFatal?: ((error: unknown) => boolean) | undefined;
}

/** The part of the Web Locks API used here. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface SessionStore<User> {
  /** The stored session as it is (possibly expired), without refreshing. */
  peek(): Promise<Session<User> | null>;
  /**
   * The session, refreshed first when its access token expires within the margin. Concurrent
   * callers share one refresh; another tab's refresh is adopted instead of repeated.
   */
  current(): Promise<Session<User> | null>;
  /** Forces a refresh now (after a 401 `auth/token-expired`, say); shares an in-flight one. */
  refreshNow(): Promise<Session<User> | null>;
  /** Stores a new session (`SIGNED_IN`) or a changed user (`USER_UPDATED`), or clears it (`SIGNED_OUT`). */
  set(session: Session<User> | null, event: AuthChangeEvent): Promise<void>;
  /** Calls `listener` with `INITIAL_SESSION` once the stored session is read, then with every change. */
  onChange(listener: AuthStateListener<User>): () => void;
  /** The storage the session is kept in (resolved on first use), for what must survive a redirect with it. */
  storage(): SessionStorage;
  close(): void;
}

/** A storage that forgets on reload: the default outside browsers. */
export function memoryStorage(): SessionStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The browser's `localStorage`, or null (not a browser, or storage disabled by a sandbox or privacy mode). */
function browserStorage(): SessionStorage | null {
  try {
    return (globalThis as { localStorage?: SessionStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

function defaultLocks(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ? { request: (name, callback) => locks.request(name, callback) } : null;
}

function defaultChannel(name: string): ChannelLike | null {
  const Channel = (globalThis as unknown as { BroadcastChannel?: new (name: string) => ChannelLike })
    .BroadcastChannel;
  return Channel ? new Channel(name) : null;
}

function parse<User>(text: string | null): Session<User> | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Session<User>;
    return typeof value?.accessToken === 'string' && typeof value.refreshToken === 'string' ? value : null;
  } catch {
    return null;
  }
}

export function createSessionStore<User>(options: SessionStoreOptions<User>): SessionStore<User> {
  const key = options.key ?? 'aerostack.auth';
  const margin = options.refreshMarginMs ?? 60_000;
  const now = options.now ?? Date.now;
  const isFatal = options.isFatal ?? (() => true);
  const listeners = new Set<AuthStateListener<User>>();
  let inFlight: Promise<Session<User> | null> | null = null;

  // Resolved on first use, never at creation: a client made while rendering on the server must not
  // touch browser globals. Tabs share localStorage, so with it (the browser default) they also
  // share a lock and a channel. Any other storage is this client's own unless `locks` / `channel`
  // say otherwise (a server creating one client per request must not have them talk to each other).
  let env:
    | { storage: SessionStorage; locks: LockManagerLike | null; channel: ChannelLike | null }
    | undefined;
  const runtime = () => {
    if (env) return env;
    const local = options.storage === undefined ? browserStorage() : null;
    const channel = options.channel === undefined ? (local ? defaultChannel(key) : null) : options.channel;
    env = {
      storage: options.storage ?? local ?? memoryStorage(),
      locks: options.locks === undefined ? (local ? defaultLocks() : null) : options.locks,
      channel,
    };
    // Another tab changed the session: storage already holds it; tell this tab's listeners.
    channel?.addEventListener('message', ({ data }) => {
      const { event } = (data ?? {}) as { event?: AuthChangeEvent };
      if (event) void read().then((session) => emit(event, session));
    });
    return env;
  };

  // Every call reads the session (storage is the truth: another tab may have changed it); the
  // text is parsed again only when it changed.
  let lastText: string | null = null;
  let lastSession: Session<User> | null = null;
  const read = async () => {
    const text = await runtime().storage.getItem(key);
    if (text !== lastText) {
      lastText = text;
      lastSession = parse<User>(text);
    }
    return lastSession;
  };
  const write = async (session: Session<User> | null) => {
    const { storage } = runtime();
    if (session) await storage.setItem(key, JSON.stringify(session));
    else await storage.removeItem(key);
  };
  const emit = (event: AuthChangeEvent, session: Session<User> | null) => {
    for (const listener of [...listeners]) listener(event, session);
  };
  const announce = async (event: AuthChangeEvent, session: Session<User> | null) => {
    emit(event, session);
    runtime().channel?.postMessage({ event });
  };

  const expiring = (session: Session<User>) => Date.parse(session.expiresAt) - margin <= now();

  /** Refreshes `seen` unless someone (this tab or another) already replaced it. */
  async function refreshFrom(seen: Session<User>): Promise<Session<User> | null> {
    const run = async () => {
      const stored = await read();
      // Refreshed by another tab meanwhile (or signed out there): adopt what it left.
      if (!stored || stored.refreshToken !== seen.refreshToken) return stored;
      let next: Session<User>;
      try {
        next = await options.refresh(stored.refreshToken);
      } catch (error) {
        if (!isFatal(error)) throw error;
        await write(null);
        await announce('SIGNED_OUT', null);
        return null;
      }
      await write(next);
      await announce('TOKEN_REFRESHED', next);
      return next;
    };
    const { locks } = runtime();
    return locks ? locks.request(`${key}.refresh`, run) : run();
  }

  function shared(seen: Session<User>): Promise<Session<User> | null> {
    inFlight ??= refreshFrom(seen).finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    peek: read,
    async current() {
      if (inFlight) return inFlight;
      const session = await read();
      if (!session || !expiring(session)) return session;
      return shared(session);
    },
    async refreshNow() {
      if (inFlight) return inFlight;
      const session = await read();
      return session ? shared(session) : null;
    },
    async set(session, event) {
      await write(session);
      await announce(event, session);
    },
    onChange(listener) {
      listeners.add(listener);
      void read().then((session) => {
        if (listeners.has(listener)) listener('INITIAL_SESSION', session);
      });
      return () => listeners.delete(listener);
    },
    storage: () => runtime().storage,
    close() {
      listeners.clear();
      env?.channel?.close();
    },
  };
}
