import { describe, expect, it } from 'vitest';
import {
  type AuthChangeEvent,
  createSessionStore,
  type LockManagerLike,
  memoryStorage,
  type Session,
  type SessionStorage,
} from '../src/auth/session-store';

// The client's session: one refresh for any number of concurrent callers, in one tab and across
// tabs (a Web Lock, and adopting what the other tab stored), and every change announced.

const at = (ms: number) => new Date(ms).toISOString();
const session = (n: number, expiresAt: number): Session<{ id: string }> => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: at(expiresAt),
  user: { id: 'usr_1' },
});

/** A lock manager like the browser's: one holder per name at a time, in request order. */
function locks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, callback: () => Promise<T>) {
      const run = (tails.get(name) ?? Promise.resolve()).then(callback, callback);
      tails.set(
        name,
        run.catch(() => {}),
      );
      return run;
    },
  };
}

function store(storage: SessionStorage, clock: { now: number }, lockManager: LockManagerLike | null = null) {
  const calls: string[] = [];
  let n = 1;
  const s = createSessionStore<{ id: string }>({
    storage,
    now: () => clock.now,
    locks: lockManager,
    channel: null,
    refreshMarginMs: 1_000,
    async refresh(token) {
      calls.push(token);
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (token === 'refresh-dead') throw new Error('refused');
      n += 1;
      return session(n * 100, clock.now + 60_000);
    },
  });
  return { s, calls };
}

describe('session store', () => {
  it('refreshes once for 20 concurrent callers when the token is about to expire', async () => {
    const clock = { now: 1_000_000 };
    const { s, calls } = store(memoryStorage(), clock);
    await s.set(session(1, clock.now + 500), 'SIGNED_IN'); // inside the 1 s margin
    const results = await Promise.all(Array.from({ length: 20 }, () => s.current()));
    expect(calls).toEqual(['refresh-1']);
    expect(new Set(results.map((r) => r?.accessToken))).toEqual(new Set(['access-200']));
    expect((await s.current())?.accessToken).toBe('access-200'); // fresh now: no second refresh
    expect(calls).toHaveLength(1);
  });

  it('does not refresh a token that is not about to expire', async () => {
    const clock = { now: 1_000_000 };
    const { s, calls } = store(memoryStorage(), clock);
    await s.set(session(1, clock.now + 30_000), 'SIGNED_IN');
    expect((await s.current())?.accessToken).toBe('access-1');
    expect(calls).toEqual([]);
    expect((await s.refreshNow())?.accessToken).toBe('access-200'); // forced
  });

  it('across tabs: one tab refreshes under the lock, the other adopts its session', async () => {
    const clock = { now: 1_000_000 };
    const shared = memoryStorage();
    const lock = locks();
    const a = store(shared, clock, lock);
    const b = store(shared, clock, lock);
    await a.s.set(session(1, clock.now + 500), 'SIGNED_IN');
    const [fromA, fromB] = await Promise.all([a.s.current(), b.s.current()]);
    expect(a.calls.length + b.calls.length).toBe(1);
    expect(fromA?.refreshToken).toBe(fromB?.refreshToken);
  });

  it('signs out when the refresh token is refused, and announces every change', async () => {
    const clock = { now: 1_000_000 };
    const { s } = store(memoryStorage(), clock);
    const events: [AuthChangeEvent, string | undefined][] = [];
    s.onChange((event, current) => events.push([event, current?.accessToken]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await s.set(session(1, clock.now + 500), 'SIGNED_IN');
    await s.current();
    await s.set({ ...session(0, clock.now + 500), refreshToken: 'refresh-dead' }, 'SIGNED_IN');
    expect(await s.current()).toBeNull();
    expect(await s.peek()).toBeNull();
    expect(events).toEqual([
      ['INITIAL_SESSION', undefined],
      ['SIGNED_IN', 'access-1'],
      ['TOKEN_REFRESHED', 'access-200'],
      ['SIGNED_IN', 'access-0'],
      ['SIGNED_OUT', undefined],
    ]);
  });

  it('keeps the session when the refresh fails for a reason that is not fatal (offline)', async () => {
    const clock = { now: 1_000_000 };
    const storage = memoryStorage();
    const s = createSessionStore<{ id: string }>({
      storage,
      now: () => clock.now,
      locks: null,
      channel: null,
      refresh: () => Promise.reject(new TypeError('offline')),
      isFatal: (error) => !(error instanceof TypeError),
    });
    await s.set(session(1, clock.now + 500), 'SIGNED_IN');
    await expect(s.current()).rejects.toThrow('offline');
    expect((await s.peek())?.accessToken).toBe('access-1');
  });

  it('ignores a corrupt stored value', async () => {
    const storage = memoryStorage();
    await storage.setItem('aerostack.auth', '{not json');
    const s = createSessionStore({
      storage,
      locks: null,
      channel: null,
      refresh: () => Promise.reject(new Error('x')),
    });
    expect(await s.current()).toBeNull();
  });
});
