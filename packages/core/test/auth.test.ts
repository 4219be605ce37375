import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src';
import { memoryStorage } from '../src/auth/session-store';
import { startTestPlatform } from './support/platform';
import { rejectionOf } from './support/rejection';

// The end-user session against the real platform: sign-up and sign-in store a session, every
// other call goes out as the user, the token is refreshed once for any number of concurrent calls
// (counted where the platform receives them), an expired token is refreshed and the call re-sent,
// and signing out ends it on the server too.

let platform: RunningPlatform;
let proxy: Server;
let proxyUrl: string;
const received: string[] = [];

/** A pass-through in front of the platform that records each request's method and path. */
function startCountingProxy(target: string): Promise<Server> {
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(
      { hostname, port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  platform = await startTestPlatform({
    AEROSTACK_AUTH_SCRYPT: '1024:8:1',
    AEROSTACK_AUTH_ACCESS_TTL_SECONDS: '3',
  });
  proxy = await startCountingProxy(platform.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await platform?.close();
});

const refreshes = () => received.filter((r) => r === 'POST /v1/auth/refresh').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
const newEmail = () => `user${++n}-${Date.now()}@example.com`;

describe('auth (client)', () => {
  it('signs up, stores the session, calls as the user and announces each change', async () => {
    const client = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { refreshMarginMs: 500 },
    });
    const events: string[] = [];
    client.auth.onAuthStateChange((event, session) =>
      events.push(`${event}:${session ? 'session' : 'none'}`),
    );
    const email = newEmail();
    const session = await client.auth.signUp({ email, password: 'correct horse battery' });
    expect(session.user.email).toBe(email);
    expect(await client.auth.getSession()).toEqual(session);
    const user = await client.auth.updateUser({ metadata: { displayName: 'Ada' } });
    expect(user.metadata).toEqual({ displayName: 'Ada' });
    expect((await client.auth.getSession())?.user.metadata).toEqual({ displayName: 'Ada' });
    await client.auth.signOut();
    expect(await client.auth.getSession()).toBeNull();
    expect(events).toEqual([
      'INITIAL_SESSION:none',
      'SIGNED_IN:session',
      'USER_UPDATED:session',
      'SIGNED_OUT:none',
    ]);
    // The old access token is dead on the server, not only forgotten here.
    const stale = createClient({ url: platform.url, credential: () => session.accessToken });
    expect((await rejectionOf(stale.auth.refreshUser())).status).toBe(401);
  });

  it('refreshes once for 20 concurrent calls when the token is about to expire', async () => {
    const storage = memoryStorage();
    const client = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { storage, refreshMarginMs: 1_500 },
    });
    const email = newEmail();
    await client.auth.signUp({ email, password: 'correct horse battery' });
    const before = refreshes();
    await sleep(1_700); // 3 s tokens (exp in whole seconds), refreshed within 1.5 s of expiry: due now
    const users = await Promise.all(Array.from({ length: 20 }, () => client.auth.refreshUser()));
    expect(users.every((u) => u.email === email)).toBe(true);
    expect(refreshes() - before).toBe(1);
  });

  it('refreshes an expired token on a 401 and sends the call again', async () => {
    const client = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage(), refreshMarginMs: 0 },
    });
    await client.auth.signInWithPassword(await signedUp());
    const before = refreshes();
    await sleep(3_500); // expired; the margin of 0 leaves it to the platform to say so
    const user = await client.auth.refreshUser();
    expect(user.email).toMatch(/@example\.com$/);
    expect(refreshes() - before).toBe(1);
  });

  it('a second client on the same storage adopts the session instead of refreshing it again', async () => {
    const storage = memoryStorage();
    const a = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { storage, refreshMarginMs: 1_500 },
    });
    const b = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { storage, refreshMarginMs: 1_500 },
    });
    await a.auth.signInWithPassword(await signedUp());
    await sleep(1_700); // due for a refresh (3 s tokens, exp in whole seconds, 1.5 s margin)
    const before = refreshes();
    await a.auth.refreshUser();
    await b.auth.refreshUser(); // reads the refreshed session from the shared storage
    expect(refreshes() - before).toBe(1);
  });

  it('signs out locally when the refresh token is refused, and reports wrong passwords', async () => {
    const client = createClient({
      url: proxyUrl,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage(), refreshMarginMs: 10_000 },
    });
    const credentials = await signedUp();
    const wrong = await rejectionOf(
      client.auth.signInWithPassword({ ...credentials, password: 'not the password' }),
    );
    expect(wrong.code).toBe('auth/invalid-login');
    const session = await client.auth.signInWithPassword(credentials);
    // Another device signs out everywhere: this session's refresh token dies with it.
    const other = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage() },
    });
    await other.auth.signInWithPassword(credentials);
    await other.auth.signOut({ scope: 'everywhere' });
    expect(await client.auth.getSession()).toBeNull(); // due for refresh (10 s margin), refused
    expect(session.user.email).toBe(credentials.email);
  });
});

async function signedUp() {
  const email = newEmail();
  const password = 'correct horse battery';
  const client = createClient({
    url: platform.url,
    publishableKey: platform.publishableKey,
    auth: { storage: memoryStorage() },
  });
  await client.auth.signUp({ email, password });
  return { email, password };
}
