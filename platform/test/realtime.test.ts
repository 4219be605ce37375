import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The realtime API without streams (those are in realtime-stream.test.ts): channel-name and body
// validation, reserved channels, history pages, presence, the project's rules for end users
// (publishable key), and another project's channels.

type Row = {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code?: string;
};

const publish = (channel: unknown, event: unknown = 'note', data: unknown = { n: 1 }) => ({
  method: 'POST',
  path: '/v1/realtime/messages',
  body: { channel, event, data },
});

const rows: Row[] = [
  { name: 'publish', ...publish('chat/room-1'), status: 201 },
  { name: 'publish, one segment', ...publish('lobby'), status: 201 },
  { name: 'publish, dots and dashes', ...publish('a.b/c-d/e_f'), status: 201 },
  { name: 'publish, null data', ...publish('chat/x', 'e', null), status: 201 },
  ...['', '/chat', 'chat/', 'chat//room', 'chat room', 'chat/rööm', 'chat/*', 'x'.repeat(201), 42].map(
    (channel) => ({
      name: `publish on ${JSON.stringify(channel).slice(0, 20)}`,
      ...publish(channel),
      status: 400,
      code: 'request/invalid-body',
    }),
  ),
  { name: 'a 200-character channel', ...publish('x'.repeat(200)), status: 201 },
  {
    name: 'event with a space',
    ...publish('chat/x', 'new message'),
    status: 400,
    code: 'request/invalid-body',
  },
  { name: 'empty event', ...publish('chat/x', ''), status: 400, code: 'request/invalid-body' },
  {
    name: 'event of 65 characters',
    ...publish('chat/x', 'e'.repeat(65)),
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'an unknown field',
    method: 'POST',
    path: '/v1/realtime/messages',
    body: { channel: 'chat/x', event: 'e', data: 1, extra: true },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'no data',
    method: 'POST',
    path: '/v1/realtime/messages',
    body: { channel: 'chat/x', event: 'e' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'a body over 64 KiB',
    ...publish('chat/x', 'e', 'x'.repeat(70_000)),
    status: 413,
    code: 'request/body-too-large',
  },
  {
    name: 'not JSON',
    method: 'POST',
    path: '/v1/realtime/messages',
    body: '{"channel":',
    status: 400,
    code: 'request/invalid-json',
  },
  {
    name: 'table/ is reserved',
    ...publish('table/todos', 'INSERT'),
    status: 403,
    code: 'realtime/reserved-channel',
  },
  {
    name: 'presence events are reserved',
    ...publish('chat/x', 'presence'),
    status: 403,
    code: 'realtime/reserved-channel',
  },
  {
    name: 'history without channel',
    method: 'GET',
    path: '/v1/realtime/messages',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'history, bad channel',
    method: 'GET',
    path: '/v1/realtime/messages?channel=a//b',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'history, foreign cursor',
    method: 'GET',
    path: '/v1/realtime/messages?channel=a&cursor=abc',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'history, limit 0',
    method: 'GET',
    path: '/v1/realtime/messages?channel=a&limit=0',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'subscribe without channel',
    method: 'GET',
    path: '/v1/realtime/events',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'subscribe to 21 channels',
    method: 'GET',
    path: `/v1/realtime/events?${Array.from({ length: 21 }, (_, i) => `channel=c${i}`).join('&')}`,
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'subscribe with a bad Last-Event-ID',
    method: 'GET',
    path: '/v1/realtime/events?channel=a',
    headers: { 'last-event-id': 'abc' },
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'subscribe, bad channel',
    method: 'GET',
    path: '/v1/realtime/events?channel=a/',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'track',
    method: 'PUT',
    path: '/v1/realtime/presence',
    body: { channel: 'room/1', key: 'dev-1', state: { typing: false } },
    status: 200,
  },
  {
    name: 'track, state over 1 KiB',
    method: 'PUT',
    path: '/v1/realtime/presence',
    body: { channel: 'room/1', key: 'dev-2', state: { text: 'x'.repeat(1100) } },
    status: 413,
    code: 'realtime/state-too-large',
  },
  {
    name: 'track, bad key',
    method: 'PUT',
    path: '/v1/realtime/presence',
    body: { channel: 'room/1', key: 'a b' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'track, bad stream id',
    method: 'PUT',
    path: '/v1/realtime/presence',
    body: { channel: 'room/1', key: 'a', streamId: 'sub_1' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'untrack an absent key',
    method: 'DELETE',
    path: '/v1/realtime/presence?channel=room/1&key=nobody',
    status: 200,
  },
  {
    name: 'untrack without key',
    method: 'DELETE',
    path: '/v1/realtime/presence?channel=room/1',
    status: 400,
    code: 'request/invalid-parameters',
  },
];

describe.each(BACKENDS)('realtime API on $name', (backend) => {
  let t: TestPlatform;
  let other: { projectId: string; secretKey: string; publishableKey: string };
  beforeAll(async () => {
    t = await testPlatform(backend);
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'other' },
    });
    other = {
      projectId: created.json.project.id,
      secretKey: created.json.secretKey.key,
      publishableKey: created.json.publishableKey.key,
    };
  });
  afterAll(() => t?.close());

  it.each(rows)('$name → $status', async (row) => {
    const res = await t.call({ ...row, auth: t.keys.secretKey });
    expect(res.status, res.text).toBe(row.status);
    if (row.code) expect(res.json.code).toBe(row.code);
  });

  it('answers 401 without a credential and 403 to an account key', async () => {
    const none = await t.call({ ...publish('chat/x') });
    expect([none.status, none.json.code]).toEqual([401, 'auth/missing-credentials']);
    const account = await t.call({ ...publish('chat/x'), auth: t.keys.accountKey });
    expect([account.status, account.json.code]).toEqual([403, 'auth/wrong-credential-type']);
    const revoked = await t.call({ ...publish('chat/x'), auth: `sk_${'x'.repeat(40)}` });
    expect(revoked.status).toBe(401);
  });

  it('refuses a rotated (revoked) secret key on every realtime operation', async () => {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'rotating' },
    });
    const old = created.json.secretKey.key;
    expect((await t.call({ ...publish('rot/a'), auth: old })).status).toBe(201);
    const rotated = await t.call({
      method: 'POST',
      path: `/v1/projects/${created.json.project.id}/keys/rotate`,
      auth: t.keys.accountKey,
      body: { type: 'secret' },
    });
    expect(rotated.status).toBe(201);
    for (const row of [
      publish('rot/a'),
      { method: 'GET', path: '/v1/realtime/events?channel=rot/a' },
      { method: 'GET', path: '/v1/realtime/messages?channel=rot/a' },
      { method: 'GET', path: '/v1/realtime/presence?channel=rot/a' },
      { method: 'PUT', path: '/v1/realtime/presence', body: { channel: 'rot/a', key: 'k' } },
      { method: 'DELETE', path: '/v1/realtime/presence?channel=rot/a&key=k' },
    ]) {
      const res = await t.call({ ...row, auth: old });
      expect([row.method, row.path, res.status, res.json.code]).toEqual([
        row.method,
        row.path,
        401,
        'auth/invalid-credentials',
      ]);
    }
  });

  it('answers the published message with an increasing id', async () => {
    const a = await t.call({ ...publish('ids/a', 'e', { n: 1 }), auth: t.keys.secretKey });
    const b = await t.call({ ...publish('ids/b', 'e', [1, 'two']), auth: t.keys.secretKey });
    expect(a.json).toMatchObject({ channel: 'ids/a', event: 'e', data: { n: 1 } });
    expect(b.json.data).toEqual([1, 'two']);
    expect(Number(b.json.id)).toBeGreaterThan(Number(a.json.id));
    expect(Date.parse(a.json.publishedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('replays a publish sent again with the same Idempotency-Key', async () => {
    const send = () =>
      t.call({ ...publish('idem/x', 'e', 1), auth: t.keys.secretKey, headers: { 'idempotency-key': 'k-1' } });
    const first = await send();
    const again = await send();
    expect(again.json.id).toBe(first.json.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const history = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=idem/x',
      auth: t.keys.secretKey,
    });
    expect(history.json.data).toHaveLength(1);
  });

  it('pages the history newest first', async () => {
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      ids.push((await t.call({ ...publish('hist/a', 'e', { n }), auth: t.keys.secretKey })).json.id);
      await t.call({ ...publish('hist/b', 'e', { n }), auth: t.keys.secretKey }); // another channel
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.call({
        method: 'GET',
        path: `/v1/realtime/messages?channel=hist/a&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        auth: t.keys.secretKey,
      });
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json.data.map((m: { id: string; channel: string }) => m.id));
      for (const m of res.json.data) expect(m.channel).toBe('hist/a');
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps presence: track, refresh, change, who is here, untrack', async () => {
    const track = (key: string, state: unknown) =>
      t.call({
        method: 'PUT',
        path: '/v1/realtime/presence',
        auth: t.keys.secretKey,
        body: { channel: 'here/1', key, state },
      });
    const first = await track('alice', { status: 'online' });
    expect(first.json).toMatchObject({
      channel: 'here/1',
      key: 'alice',
      state: { status: 'online' },
      userId: null,
    });
    await track('bob', {});
    const again = await track('alice', { status: 'away' });
    expect(again.json.joinedAt).toBe(first.json.joinedAt);
    expect(Date.parse(again.json.expiresAt)).toBeGreaterThanOrEqual(Date.parse(first.json.expiresAt));
    const list = async (query = '') =>
      (
        await t.call({
          method: 'GET',
          path: `/v1/realtime/presence?channel=here/1${query}`,
          auth: t.keys.secretKey,
        })
      ).json;
    expect((await list()).data.map((e: { key: string; state: unknown }) => [e.key, e.state])).toEqual([
      ['alice', { status: 'away' }],
      ['bob', {}],
    ]);
    const page = await list('&limit=1');
    expect(page.data.map((e: { key: string }) => e.key)).toEqual(['alice']);
    expect(
      (await list(`&limit=1&cursor=${page.nextCursor}`)).data.map((e: { key: string }) => e.key),
    ).toEqual(['bob']);
    const gone = await t.call({
      method: 'DELETE',
      path: '/v1/realtime/presence?channel=here/1&key=alice',
      auth: t.keys.secretKey,
    });
    expect(gone.json).toEqual({ untracked: true });
    expect((await list()).data.map((e: { key: string }) => e.key)).toEqual(['bob']);
    // Each change was announced on the channel, in order.
    const history = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=here/1',
      auth: t.keys.secretKey,
    });
    const changes = history.json.data
      .filter((m: { event: string }) => m.event === 'presence')
      .map((m: { data: { action: string; key: string } }) => `${m.data.action} ${m.data.key}`)
      .reverse();
    expect(changes).toEqual(['join alice', 'join bob', 'update alice', 'leave alice']);
  });

  it('keeps another project’s channels apart', async () => {
    await t.call({ ...publish('shared/name', 'e', 'mine'), auth: t.keys.secretKey });
    await t.call({ ...publish('shared/name', 'e', 'theirs'), auth: other.secretKey });
    const mine = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=shared/name',
      auth: t.keys.secretKey,
    });
    const theirs = await t.call({
      method: 'GET',
      path: '/v1/realtime/messages?channel=shared/name',
      auth: other.secretKey,
    });
    expect(mine.json.data.map((m: { data: string }) => m.data)).toEqual(['mine']);
    expect(theirs.json.data.map((m: { data: string }) => m.data)).toEqual(['theirs']);
    await t.call({
      method: 'PUT',
      path: '/v1/realtime/presence',
      auth: other.secretKey,
      body: { channel: 'shared/name', key: 'k' },
    });
    const here = await t.call({
      method: 'GET',
      path: '/v1/realtime/presence?channel=shared/name',
      auth: t.keys.secretKey,
    });
    expect(here.json.data).toEqual([]);
  });

  describe('end users (publishable key)', () => {
    const asUser = (row: Omit<Row, 'status' | 'name'>) => t.call({ ...row, auth: t.keys.publishableKey });

    it('may do nothing before the project has rules', async () => {
      for (const row of [
        publish('open/x'),
        { method: 'GET', path: '/v1/realtime/messages?channel=open/x' },
        { method: 'GET', path: '/v1/realtime/events?channel=open/x' },
        { method: 'GET', path: '/v1/realtime/presence?channel=open/x' },
        { method: 'PUT', path: '/v1/realtime/presence', body: { channel: 'open/x', key: 'k' } },
        { method: 'DELETE', path: '/v1/realtime/presence?channel=open/x&key=k' },
      ]) {
        const res = await asUser(row);
        expect([row.method, row.path, res.status, res.json?.code]).toEqual([
          row.method,
          row.path,
          403,
          'realtime/channel-denied',
        ]);
        expect(res.json.detail).toContain('open/x');
      }
    });

    it('may do what the rules allow, and no more', async () => {
      const saved = await t.call({
        method: 'PUT',
        path: '/v1/rules',
        auth: t.keys.secretKey,
        body: {
          version: 0,
          channels: [
            { pattern: 'open/*', subscribe: 'public', publish: 'public', presence: 'public' },
            { pattern: 'news/**', subscribe: 'public' },
            { pattern: 'members/*', subscribe: 'authenticated', publish: 'authenticated' },
          ],
          statements: [],
          tables: [],
          learning: false,
        },
      });
      expect(saved.status, saved.text).toBe(200);
      expect((await asUser(publish('open/x', 'e', 'hi'))).status).toBe(201);
      expect(
        (await asUser({ method: 'GET', path: '/v1/realtime/messages?channel=open/x' })).json.data[0].data,
      ).toBe('hi');
      expect(
        (
          await asUser({
            method: 'PUT',
            path: '/v1/realtime/presence',
            body: { channel: 'open/x', key: 'k' },
          })
        ).status,
      ).toBe(200);
      const news = await asUser(publish('news/today', 'e', 1));
      expect([news.status, news.json.code]).toEqual([403, 'realtime/channel-denied']);
      expect((await asUser({ method: 'GET', path: '/v1/realtime/messages?channel=news/a/b' })).status).toBe(
        200,
      );
      const members = await asUser({ method: 'GET', path: '/v1/realtime/messages?channel=members/x' });
      expect([members.status, members.json.code]).toEqual([403, 'realtime/channel-denied']);
      expect(members.json.detail).toMatch(/Sign in/);
      const deep = await asUser(publish('open/x/y', 'e', 1));
      expect(deep.status).toBe(403);
      // Reserved channels stay reserved whatever the rules say.
      expect((await asUser(publish('table/x', 'INSERT'))).json.code).toBe('realtime/reserved-channel');
    });

    it('cannot take over a presence key another caller holds', async () => {
      const mine = await t.call({
        method: 'PUT',
        path: '/v1/realtime/presence',
        auth: t.keys.secretKey,
        body: { channel: 'open/p', key: 'server' },
      });
      expect(mine.status).toBe(200);
      const theirs = await asUser({
        method: 'PUT',
        path: '/v1/realtime/presence',
        body: { channel: 'open/p', key: 'server' },
      });
      expect([theirs.status, theirs.json.code]).toEqual([409, 'realtime/presence-conflict']);
      const remove = await asUser({
        method: 'DELETE',
        path: '/v1/realtime/presence?channel=open/p&key=server',
      });
      expect([remove.status, remove.json.code]).toEqual([409, 'realtime/presence-conflict']);
    });

    it('sees database change events only as the table rules allow', async () => {
      const { realtime } = t.platform.services;
      const projectId = t.keys.projectId;
      await realtime.publish(
        projectId,
        'table/todos',
        'INSERT',
        { table: 'todos', new: { id: 1 }, old: null },
        {
          row: { table: 'todos', row: { id: 1, user_id: 'usr_a' } },
        },
      );
      const rules = (await t.call({ method: 'GET', path: '/v1/rules', auth: t.keys.secretKey })).json;
      const { updatedAt: _, ...current } = rules;
      await t.call({
        method: 'PUT',
        path: '/v1/rules',
        auth: t.keys.secretKey,
        body: { ...current, channels: [...current.channels, { pattern: 'table/*', subscribe: 'public' }] },
      });
      const read = async (auth: string) =>
        (await t.call({ method: 'GET', path: '/v1/realtime/messages?channel=table/todos', auth })).json.data;
      expect(await read(t.keys.secretKey)).toHaveLength(1);
      expect(await read(t.keys.publishableKey)).toEqual([]); // no table rule: no rows
      const now = (await t.call({ method: 'GET', path: '/v1/rules', auth: t.keys.secretKey })).json;
      const { updatedAt: __, ...next } = now;
      await t.call({
        method: 'PUT',
        path: '/v1/rules',
        auth: t.keys.secretKey,
        body: { ...next, tables: [{ table: 'todos', read: 'public' }] },
      });
      expect((await read(t.keys.publishableKey)).map((m: { event: string }) => m.event)).toEqual(['INSERT']);
    });
  });
});
