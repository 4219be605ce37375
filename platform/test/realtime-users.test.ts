import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { projectsDatabase } from '../src/modules/db/postgres-engine.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { openSse } from './support/sse.js';

// Realtime for signed-in end users (access tokens from the auth module), on every backend: the
// rules' `{userId}` channels are their owner's alone, `authenticated` channels refuse the
// anonymous publishable key, presence entries carry the user and only they may remove them, and
// database change events of an owner table reach only the row's owner.

const NOTE_INSERT = 'INSERT INTO notes (id, user_id, body) VALUES (:id, :auth_user_id, :body)';

/** Short, so a test sees a stream end; every other test here is done with its streams well before. */
const STREAM_MAX_SECONDS = 6;
/** Low, so the test reaches it; the other tests publish a few messages per user at most. */
const USER_PUBLISH_PER_MINUTE = 30;
/** Low, so the test reaches it; no other test holds more than two streams of one user. */
const MAX_STREAMS = 3;

describe.each(BACKENDS)('realtime for signed-in users on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let keys: NonNullable<Server['platform']['keys']>;
  const users: Record<'alice' | 'bob', { id: string; token: string }> = {} as never;

  const call = async (method: string, path: string, auth: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    stores = await backend.create();
    const defaults = loadConfig({});
    server = await listen({
      ...defaults,
      port: 0,
      dataDir: stores.dataDir,
      databaseUrl: stores.databaseUrl,
      redisUrl: stores.redisUrl,
      masterKeys: stores.masterKeys,
      logLevel: 'error',
      validateResponses: true,
      heartbeatMs: 200,
      auth: { ...defaults.auth, scrypt: { N: 1024, r: 8, p: 1 } },
      realtime: {
        ...defaults.realtime,
        streamMaxSeconds: STREAM_MAX_SECONDS,
        userPublishPerMinute: USER_PUBLISH_PER_MINUTE,
        maxStreamsPerClient: MAX_STREAMS,
      },
    });
    keys = server.platform.keys!;
    for (const name of ['alice', 'bob'] as const) {
      const res = await call('POST', '/v1/auth/sign-up', keys.publishableKey, {
        email: `${name}@example.test`,
        password: 'correct horse battery',
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      users[name] = { id: res.json.user.id, token: res.json.accessToken };
    }
    const rules = await call('PUT', '/v1/rules', keys.secretKey, {
      version: 0,
      channels: [
        { pattern: 'user/{userId}/**', subscribe: 'owner', publish: 'owner', presence: 'owner' },
        {
          pattern: 'chat/*',
          subscribe: 'authenticated',
          publish: 'authenticated',
          presence: 'authenticated',
        },
        { pattern: 'table/*', subscribe: 'authenticated' },
      ],
      statements: [{ sql: NOTE_INSERT, access: 'owner' }],
      tables: [{ table: 'notes', read: 'owner', ownerColumn: 'user_id' }],
      learning: false,
    });
    expect(rules.status, JSON.stringify(rules.json)).toBe(200);
  });
  afterAll(async () => {
    // Project databases on PostgreSQL have login roles, which belong to the cluster: drop them too.
    const roles =
      stores?.databaseUrl && server
        ? ((await server.platform.services.database.db
            .selectFrom('db_databases' as never)
            .select('location' as never)
            .where('engine' as never, '=', 'postgres' as never)
            .execute()) as Array<{ location: string }>)
        : [];
    await server?.close(1_000);
    await stores?.cleanup();
    if (stores?.databaseUrl) {
      // As test/support/db-harness.ts does: the projects' database, then their roles.
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(
        `DROP DATABASE IF EXISTS "${projectsDatabase(stores.databaseUrl).name}" WITH (FORCE)`,
      );
      for (const { location } of roles) await admin.query(`DROP ROLE IF EXISTS "${location}"`);
      await admin.end();
    }
  });

  const subscribe = (channels: string[], token: string) =>
    openSse(`${server.url}/v1/realtime/events?${channels.map((c) => `channel=${c}`).join('&')}`, {
      authorization: `Bearer ${token}`,
    });

  it('lets a user subscribe and publish on their own user channel, and nobody else’s', async () => {
    const { alice, bob } = users;
    const own = await subscribe([`user/${alice.id}/inbox`], alice.token);
    expect(own.status).toBe(200);
    await own.next();
    const theirs = await subscribe([`user/${alice.id}/inbox`], bob.token);
    expect(theirs.status).toBe(403);
    expect(JSON.parse(await theirs.text()).code).toBe('realtime/channel-denied');
    const mixed = await subscribe([`user/${bob.id}/inbox`, `user/${alice.id}/inbox`], bob.token);
    expect(mixed.status).toBe(403);
    const intrude = await call('POST', '/v1/realtime/messages', bob.token, {
      channel: `user/${alice.id}/inbox`,
      event: 'note',
      data: 'hi',
    });
    expect([intrude.status, intrude.json.code]).toEqual([403, 'realtime/channel-denied']);
    const history = await call('GET', `/v1/realtime/messages?channel=user/${alice.id}/inbox`, bob.token);
    expect(history.status).toBe(403);
    // The server writes to Alice; she receives it.
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: `user/${alice.id}/inbox`,
      event: 'note',
      data: 'for alice',
    });
    expect((await own.take('message', 1))[0]!.data.data).toBe('for alice');
    own.close();
  });

  it('keeps authenticated channels from the anonymous publishable key', async () => {
    const anonymous = await subscribe(['chat/lobby'], keys.publishableKey);
    expect(anonymous.status).toBe(403);
    const signedIn = await subscribe(['chat/lobby'], users.bob.token);
    expect(signedIn.status).toBe(200);
    await signedIn.next();
    const sent = await call('POST', '/v1/realtime/messages', users.alice.token, {
      channel: 'chat/lobby',
      event: 'note',
      data: 'hello',
    });
    expect(sent.status).toBe(201);
    // The sender is the platform's word, from the access token.
    expect((await signedIn.take('message', 1))[0]!.data).toMatchObject({
      data: 'hello',
      userId: users.alice.id,
    });
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: 'chat/lobby',
      event: 'note',
      data: 'server',
    });
    expect((await signedIn.take('message', 1))[0]!.data).toMatchObject({ data: 'server', userId: null });
    signedIn.close();
  });

  it('limits what one end user publishes a minute, not other users nor the secret key', async () => {
    const carol = await call('POST', '/v1/auth/sign-up', keys.publishableKey, {
      email: 'carol@example.test',
      password: 'correct horse battery',
    });
    expect(carol.status).toBe(201);
    const send = (auth: string) =>
      fetch(`${server.url}/v1/realtime/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'chat/flood', event: 'note', data: 'x' }),
      });
    for (let i = 0; i < USER_PUBLISH_PER_MINUTE; i++) {
      expect((await send(carol.json.accessToken)).status).toBe(201);
    }
    const refused = await send(carol.json.accessToken);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe('rate-limit/exceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-limit')).toBe(String(USER_PUBLISH_PER_MINUTE));
    // Nothing of the refused message was kept.
    const history = await call('GET', '/v1/realtime/messages?channel=chat/flood&limit=1000', keys.secretKey);
    expect(history.json.data).toHaveLength(USER_PUBLISH_PER_MINUTE);
    expect((await send(users.bob.token)).status).toBe(201);
    expect((await send(keys.secretKey)).status).toBe(201);
  });

  it('caps the streams one end user holds open, not other users nor the secret key', async () => {
    const dave = await call('POST', '/v1/auth/sign-up', keys.publishableKey, {
      email: 'dave@example.test',
      password: 'correct horse battery',
    });
    expect(dave.status).toBe(201);
    const token = dave.json.accessToken as string;
    const held = [];
    for (let i = 0; i < MAX_STREAMS; i++) {
      const stream = await subscribe([`user/${dave.json.user.id}/inbox`], token);
      expect(stream.status).toBe(200);
      await stream.next();
      held.push(stream);
    }
    const refused = await subscribe(['chat/lobby'], token);
    expect(refused.status).toBe(429);
    expect(JSON.parse(await refused.text()).code).toBe('realtime/too-many-streams');
    // Others are not affected: another user, and the server's secret key.
    const bob = await subscribe(['chat/lobby'], users.bob.token);
    expect(bob.status).toBe(200);
    bob.close();
    const server = [];
    for (let i = 0; i <= MAX_STREAMS; i++) {
      const stream = await subscribe(['chat/lobby'], keys.secretKey);
      expect(stream.status).toBe(200);
      server.push(stream);
    }
    for (const stream of server) stream.close();
    // A stream that ends gives its place back once the platform sees it end.
    held.pop()!.close();
    let again = await subscribe(['chat/lobby'], token);
    for (let i = 0; i < 50 && again.status === 429; i++) {
      await again.text();
      await new Promise((r) => setTimeout(r, 100));
      again = await subscribe(['chat/lobby'], token);
    }
    expect(again.status).toBe(200);
    again.close();
    for (const stream of held) stream.close();
  });

  it('names the user on their presence entries, which only they may remove', async () => {
    const tracked = await call('PUT', '/v1/realtime/presence', users.alice.token, {
      channel: 'chat/room',
      key: 'alice-laptop',
      state: { typing: true },
    });
    expect(tracked.status).toBe(200);
    expect(tracked.json.userId).toBe(users.alice.id);
    const steal = await call('PUT', '/v1/realtime/presence', users.bob.token, {
      channel: 'chat/room',
      key: 'alice-laptop',
    });
    expect([steal.status, steal.json.code]).toEqual([409, 'realtime/presence-conflict']);
    const remove = await call(
      'DELETE',
      '/v1/realtime/presence?channel=chat/room&key=alice-laptop',
      users.bob.token,
    );
    expect(remove.status).toBe(409);
    const here = await call('GET', '/v1/realtime/presence?channel=chat/room', users.bob.token);
    expect(here.json.data.map((e: { key: string; userId: string }) => [e.key, e.userId])).toEqual([
      ['alice-laptop', users.alice.id],
    ]);
    const leave = await call(
      'DELETE',
      '/v1/realtime/presence?channel=chat/room&key=alice-laptop',
      users.alice.token,
    );
    expect(leave.json).toEqual({ untracked: true });
  });

  it('gives a contested presence key to exactly one of two users tracking it at once', async () => {
    for (let round = 0; round < 5; round++) {
      const body = { channel: 'chat/contest', key: `seat-${round}` };
      const answers = await Promise.all([
        call('PUT', '/v1/realtime/presence', users.alice.token, body),
        call('PUT', '/v1/realtime/presence', users.bob.token, body),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!.json.userId;
      const here = await call('GET', '/v1/realtime/presence?channel=chat/contest', keys.secretKey);
      expect(here.json.data.find((e: { key: string }) => e.key === body.key).userId).toBe(winner);
    }
    const history = await call('GET', '/v1/realtime/messages?channel=chat/contest', keys.secretKey);
    expect(history.json.data.map((m: { data: { action: string } }) => m.data.action)).toEqual(
      Array(5).fill('join'),
    );
  });

  it('delivers a change event of an owner table to the row’s owner only', async () => {
    const { alice, bob } = users;
    const onAlice = await subscribe(['table/notes'], alice.token);
    const onBob = await subscribe(['table/notes'], bob.token);
    await onAlice.next();
    await onBob.next();
    const { realtime } = server.platform.services;
    for (const [n, owner] of [alice.id, bob.id, alice.id].entries()) {
      const row = { id: n, user_id: owner };
      await realtime.publish(
        keys.projectId,
        'table/notes',
        'INSERT',
        { table: 'notes', new: row, old: null },
        {
          row: { table: 'notes', row },
        },
      );
    }
    expect((await onAlice.take('message', 2)).map((f) => f.data.data.new.id)).toEqual([0, 2]);
    expect((await onBob.take('message', 1)).map((f) => f.data.data.new.id)).toEqual([1]);
    expect(await onBob.quiet('message', 300)).toEqual([]);
    const history = await call('GET', '/v1/realtime/messages?channel=table/notes', bob.token);
    expect(history.json.data.map((m: { data: { new: { id: number } } }) => m.data.new.id)).toEqual([1]);
    onAlice.close();
    onBob.close();
  });
  it('ends an open stream with an error event when the rules withdraw its channel', async () => {
    const stream = await subscribe(['chat/closing'], users.alice.token);
    await stream.next();
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: 'chat/closing',
      event: 'note',
      data: 1,
    });
    expect((await stream.take('message', 1))[0]!.data.data).toBe(1);
    const rules = await call('GET', '/v1/rules', keys.secretKey);
    const { updatedAt: _, ...current } = rules.json;
    const saved = await call('PUT', '/v1/rules', keys.secretKey, {
      ...current,
      channels: current.channels.filter((c: { pattern: string }) => c.pattern !== 'chat/*'),
    });
    expect(saved.status).toBe(200);
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: 'chat/closing',
      event: 'note',
      data: 2,
    });
    const error = await stream.next((f) => f.event === 'error' || f.event === 'message');
    expect([error.event, error.data.code]).toEqual(['error', 'realtime/channel-denied']);
    const again = await subscribe(['chat/closing'], users.alice.token);
    expect(again.status).toBe(403);
  });
  it('carries the db module’s change events end to end, each to the row’s owner', async () => {
    const { alice, bob } = users;
    const migrated = await call('POST', '/v1/db/migrations', keys.secretKey, {
      migrations: [
        {
          name: '0001_notes',
          sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT, body TEXT NOT NULL)',
        },
      ],
    });
    expect(migrated.status, JSON.stringify(migrated.json)).toBe(200);
    const onAlice = await subscribe(['table/notes'], alice.token);
    const onBob = await subscribe(['table/notes'], bob.token);
    const onServer = await subscribe(['table/notes'], keys.secretKey);
    for (const stream of [onAlice, onBob, onServer]) await stream.next();
    const insert = async (token: string, id: number, body: string) => {
      const res = await call('POST', '/v1/db/query', token, { sql: NOTE_INSERT, params: { id, body } });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    };
    await insert(alice.token, 101, 'alice writes');
    await insert(bob.token, 102, 'bob writes');
    const first = await onAlice.take('message', 1);
    expect(first[0]!.data).toMatchObject({ channel: 'table/notes', event: 'INSERT' });
    expect(first[0]!.data.data).toMatchObject({
      table: 'notes',
      new: { id: 101, user_id: alice.id },
      old: null,
    });
    expect((await onBob.take('message', 1))[0]!.data.data.new.body).toBe('bob writes');
    expect((await onServer.take('message', 2)).map((f) => f.data.data.new.id)).toEqual([101, 102]);
    expect(await onAlice.quiet('message', 300)).toEqual([]);
    for (const stream of [onAlice, onBob, onServer]) stream.close();
  });

  it('ends a user’s streams when their session is signed out', async () => {
    const signIn = await call('POST', '/v1/auth/sign-in', keys.publishableKey, {
      email: 'alice@example.test',
      password: 'correct horse battery',
    });
    expect(signIn.status).toBe(200);
    const token = signIn.json.accessToken;
    const stream = await subscribe([`user/${users.alice.id}/inbox`], token);
    await stream.next();
    const other = await subscribe([`user/${users.alice.id}/inbox`], users.alice.token); // another session
    await other.next();
    const out = await call('POST', '/v1/auth/sign-out', token, {});
    expect(out.status).toBe(204);
    const started = Date.now();
    await expect(stream.next(() => true, 2_000)).rejects.toThrow(/stream ended/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await subscribe([`user/${users.alice.id}/inbox`], token)).status).toBe(401);
    // The other session's stream carries on.
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: `user/${users.alice.id}/inbox`,
      event: 'note',
      data: 'still here',
    });
    expect((await other.take('message', 1))[0]!.data.data).toBe('still here');
    other.close();
  });

  it(`ends every stream ${STREAM_MAX_SECONDS} s after it opened; the client resumes without loss`, async () => {
    const opened = Date.now();
    const stream = await subscribe(['chat/long'], keys.secretKey);
    const ready = await stream.next();
    await expect(stream.next(() => true, STREAM_MAX_SECONDS * 1000 + 2_000)).rejects.toThrow(/stream ended/);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(STREAM_MAX_SECONDS * 1000 - 100);
    await call('POST', '/v1/realtime/messages', keys.secretKey, {
      channel: 'chat/long',
      event: 'note',
      data: 'later',
    });
    const resumed = await openSse(`${server.url}/v1/realtime/events?channel=chat/long`, {
      authorization: `Bearer ${keys.secretKey}`,
      'last-event-id': ready.id!,
    });
    expect((await resumed.take('message', 1))[0]!.data.data).toBe('later');
    resumed.close();
  }, 15_000);
});
