import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createHub } from '../src/modules/realtime/hub.js';
import { append } from '../src/modules/realtime/store.js';
import { subscription } from '../src/modules/realtime/stream.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { openSse, type SseFrame } from './support/sse.js';

// Realtime over real HTTP on a random port, on every backend: publish → receive, several channels
// on one stream, resume with Last-Event-ID (exactly the missed messages), the replay buffer's
// count and age bounds announced by a `missed` event, presence joins and leaves (untrack, stream
// close, expiry), concurrent publishers, and another project's channel of the same name.

const BUFFER_COUNT = 5;
const BUFFER_SECONDS = 3;
const PRESENCE_TTL_SECONDS = 2;

describe.each(BACKENDS)('realtime streams on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let keys: NonNullable<Server['platform']['keys']>;
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
      realtime: {
        ...defaults.realtime,
        bufferCount: BUFFER_COUNT,
        bufferSeconds: BUFFER_SECONDS,
        presenceTtlSeconds: PRESENCE_TTL_SECONDS,
      },
    });
    keys = server.platform.keys!;
  });
  afterAll(async () => {
    await server?.close(1_000);
    await stores?.cleanup();
  });

  const subscribe = (channels: string[], headers: Record<string, string> = {}, key = keys.secretKey) =>
    openSse(
      `${server.url}/v1/realtime/events?${channels.map((c) => `channel=${encodeURIComponent(c)}`).join('&')}`,
      {
        authorization: `Bearer ${key}`,
        ...headers,
      },
    );

  async function publish(channel: string, data: unknown, event = 'note', key = keys.secretKey) {
    const res = await fetch(`${server.url}/v1/realtime/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel, event, data }),
    });
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  }

  const datas = (frames: SseFrame[]) => frames.map((f) => f.data.data);

  it('delivers what is published on its channels, in order, with ids and JSON data', async () => {
    const stream = await subscribe(['live/a']);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const ready = await stream.next();
    expect(ready.event).toBe('subscribed');
    expect(ready.data.channels).toEqual(['live/a']);
    expect(ready.data.streamId).toMatch(/^rts_/);
    const sent = [];
    for (let n = 1; n <= 3; n++) {
      sent.push(await publish('live/a', { n }));
      await publish('live/other', { n }); // not subscribed
    }
    const got = await stream.take('message', 3);
    expect(got.map((f) => f.id)).toEqual(sent.map((m) => m.id));
    expect(got[0]!.data).toMatchObject({ id: sent[0]!.id, channel: 'live/a', event: 'note', data: { n: 1 } });
    expect(await stream.quiet('message', 300)).toEqual([]);
    stream.close();
  });

  it('serves several channels on one stream, in publication order', async () => {
    const stream = await subscribe(['multi/a', 'multi/b', 'multi/a']);
    expect((await stream.next()).data.channels).toEqual(['multi/a', 'multi/b']);
    await publish('multi/b', 1);
    await publish('multi/a', 2);
    await publish('multi/c', 3);
    await publish('multi/b', 4);
    expect(datas(await stream.take('message', 3))).toEqual([1, 2, 4]);
    stream.close();
  });

  it('keeps idle streams alive with heartbeat comments', async () => {
    const stream = await subscribe(['idle/a']);
    await stream.next();
    await sleep(700);
    expect(stream.frames.filter((f) => f.comment === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    stream.close();
  });

  it('resumes after Last-Event-ID with exactly the messages missed, then carries on live', async () => {
    const first = await subscribe(['resume/a']);
    await first.next();
    await publish('resume/a', 1);
    await publish('resume/a', 2);
    const seen = await first.take('message', 2);
    first.close();
    await publish('resume/a', 3);
    await publish('resume/b', 'elsewhere');
    await publish('resume/a', 4);
    const again = await subscribe(['resume/a'], { 'last-event-id': seen[1]!.id! });
    const ready = await again.next();
    expect([ready.event, ready.id]).toEqual(['subscribed', seen[1]!.id]);
    expect(datas(await again.take('message', 2))).toEqual([3, 4]);
    await publish('resume/a', 5);
    expect(datas(await again.take('message', 1))).toEqual([5]);
    expect(again.frames.filter((f) => f.event === 'missed')).toEqual([]);
    expect(await again.quiet('message', 300)).toEqual([]);
    again.close();
  });

  it('resumes from the subscribed event’s id when nothing else arrived', async () => {
    const first = await subscribe(['quiet/a']);
    const ready = await first.next();
    first.close();
    await publish('quiet/a', 'while away');
    const again = await subscribe(['quiet/a'], { 'last-event-id': ready.id! });
    expect(datas(await again.take('message', 1))).toEqual(['while away']);
    again.close();
  });

  it('never skips nor repeats a message across the replay-then-live switch under concurrent publishes', async () => {
    // 8 channels × BUFFER_COUNT messages: as many as the buffers keep, so nothing may be missed.
    const channels = Array.from({ length: 8 }, (_, i) => `race/${i}`);
    const first = await subscribe(channels);
    await first.next();
    const all = Array.from({ length: channels.length * BUFFER_COUNT }, (_, n) => n);
    const publishing = Promise.all(all.map((n) => publish(channels[n % channels.length]!, n)));
    // Drop the first stream part-way and resume while messages are still being published.
    const some = await first.take('message', 3);
    first.close();
    const again = await subscribe(channels, { 'last-event-id': some.at(-1)!.id! });
    const published = await publishing;
    const rest = await again.take('message', all.length - 3);
    expect(again.frames.filter((f) => f.event === 'missed')).toEqual([]);
    const ids = [...some, ...rest].map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(all.length);
    expect(new Set(ids)).toEqual(new Set(published.map((m) => Number(m.id))));
    expect(await again.quiet('message', 300)).toEqual([]);
    again.close();
  });

  it(`keeps ${BUFFER_COUNT} messages per channel and says so when a resume reaches past them`, async () => {
    const first = await subscribe(['bound/a']);
    const ready = await first.next();
    first.close();
    for (let n = 1; n <= BUFFER_COUNT + 3; n++) await publish('bound/a', n);
    await publish('bound/b', 'other channel'); // its own buffer
    const again = await subscribe(['bound/a', 'bound/b'], { 'last-event-id': ready.id! });
    await again.next();
    const missed = await again.next();
    expect(missed.event).toBe('missed');
    expect(missed.data).toEqual({ channels: ['bound/a'], lastEventId: ready.id });
    expect(datas(await again.take('message', BUFFER_COUNT + 1))).toEqual([4, 5, 6, 7, 8, 'other channel']);
    again.close();
    const history = await fetch(`${server.url}/v1/realtime/messages?channel=bound/a`, {
      headers: { authorization: `Bearer ${keys.secretKey}` },
    });
    const page = (await history.json()) as { data: Array<{ data: number }> };
    expect(page.data.map((m) => m.data)).toEqual([8, 7, 6, 5, 4]);
  });

  it(`drops messages older than ${BUFFER_SECONDS} s and says so on resume`, async () => {
    const first = await subscribe(['aged/a']);
    const ready = await first.next();
    first.close();
    await publish('aged/a', 'old');
    await sleep(BUFFER_SECONDS * 1000 + 1_000);
    await publish('aged/a', 'new');
    const again = await subscribe(['aged/a'], { 'last-event-id': ready.id! });
    await again.next();
    expect((await again.next()).event).toBe('missed');
    expect(datas(await again.take('message', 1))).toEqual(['new']);
    again.close();
    await server.platform.services.realtime.sweep();
    const history = await fetch(`${server.url}/v1/realtime/messages?channel=aged/a`, {
      headers: { authorization: `Bearer ${keys.secretKey}` },
    });
    expect(((await history.json()) as { data: Array<{ data: string }> }).data.map((m) => m.data)).toEqual([
      'new',
    ]);
    // After the sweep deleted it, the gap is still known.
    const third = await subscribe(['aged/a'], { 'last-event-id': ready.id! });
    await third.next();
    expect((await third.next()).event).toBe('missed');
    third.close();
  }, 15_000);

  it('delivers a message whose wake-up was lost, by looking on its own', async () => {
    const stream = await subscribe(['lost/a']);
    await stream.next();
    // Stored without announcing it: as if the bus message between nodes had been lost.
    const { realtime } = server.platform.services;
    await append(
      realtime.db,
      {
        project_id: keys.projectId,
        channel: 'lost/a',
        event: 'note',
        data: '"unannounced"',
        published_at: Date.now(),
        row_table: null,
        row_data: null,
        user_id: null,
      },
      BUFFER_COUNT,
    );
    expect(datas(await stream.take('message', 1, 5_000 + 2_000))).toEqual(['unannounced']);
    stream.close();
  }, 15_000);

  it('says so when a subscriber’s node fell more than the buffer behind on a channel', async () => {
    const stream = await subscribe(['lag/a']);
    const ready = await stream.next();
    // Stored without wake-ups: this node's reader only finds them when it polls, after the count
    // bound has dropped the first three.
    for (let n = 1; n <= BUFFER_COUNT + 3; n++) {
      await append(
        server.platform.services.realtime.db,
        {
          project_id: keys.projectId,
          channel: 'lag/a',
          event: 'note',
          data: String(n),
          published_at: Date.now(),
          row_table: null,
          row_data: null,
          user_id: null,
        },
        BUFFER_COUNT,
      );
    }
    const missed = await stream.next(() => true, 5_000 + 2_000);
    expect(missed).toMatchObject({ event: 'missed', data: { channels: ['lag/a'], lastEventId: ready.id } });
    expect(datas(await stream.take('message', BUFFER_COUNT))).toEqual([4, 5, 6, 7, 8]);
    stream.close();
  }, 15_000);

  it('ends a stream whose client falls too far behind, which then resumes from the database', async () => {
    const { services } = server.platform;
    const hub = createHub({ db: services.realtime.db, bus: services.bus, onError: () => {} });
    const base = {
      db: services.realtime.db,
      hub,
      projectId: keys.projectId,
      channels: ['slow/a'],
      streamId: 'rts_slow',
      bufferSeconds: BUFFER_SECONDS,
      visible: async () => true,
      signal: new AbortController().signal,
    };
    try {
      const slow = subscription({ ...base, lastEventId: null, maxQueue: 2 });
      const ready = await slow.next();
      // The client reads nothing while four messages arrive: two fit in its queue.
      for (let n = 1; n <= 4; n++) await services.realtime.publish(keys.projectId, 'slow/a', 'note', n);
      await sleep(500);
      const got = [];
      for await (const event of slow) got.push(event);
      expect(got.map((e) => (e.data as { data: number }).data)).toEqual([1, 2]);
      const resumed = subscription({ ...base, lastEventId: got.at(-1)!.id! });
      expect((await resumed.next()).value).toMatchObject({ event: 'subscribed', id: got.at(-1)!.id });
      expect(((await resumed.next()).value!.data as { data: number }).data).toBe(3);
      expect(((await resumed.next()).value!.data as { data: number }).data).toBe(4);
      await resumed.return(undefined);
      expect(ready.value).toMatchObject({ event: 'subscribed' });
    } finally {
      hub.close();
    }
  });

  it('says so when Last-Event-ID is an id this project never issued', async () => {
    const stream = await subscribe(['ghost/a'], { 'last-event-id': '999999999' });
    await stream.next();
    expect((await stream.next()).data).toEqual({ channels: ['ghost/a'], lastEventId: '999999999' });
    stream.close();
  });

  it('announces presence joins and leaves: untrack, stream close, expiry', async () => {
    const watcher = await subscribe(['room/p']);
    await watcher.next();
    const holder = await subscribe(['room/p']);
    const { streamId } = (await holder.next()).data;
    const track = (key: string, extra: Record<string, unknown> = {}) =>
      fetch(`${server.url}/v1/realtime/presence`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'room/p', key, state: { at: key }, ...extra }),
      });
    expect((await track('bound', { streamId })).status).toBe(200);
    expect((await track('loose')).status).toBe(200);
    expect((await track('gone')).status).toBe(200);
    const changes = async (count: number) =>
      (await watcher.take('message', count, 5_000)).map((f) => `${f.data.data.action} ${f.data.data.key}`);
    expect(await changes(3)).toEqual(['join bound', 'join loose', 'join gone']);
    await fetch(`${server.url}/v1/realtime/presence?channel=room/p&key=gone`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${keys.secretKey}` },
    });
    expect(await changes(1)).toEqual(['leave gone']);
    // `loose` is never refreshed: it expires. `bound` lives as long as its stream, past the TTL.
    expect(await changes(1)).toEqual(['leave loose']);
    await sleep(PRESENCE_TTL_SECONDS * 1000 + 1_000);
    const here = await fetch(`${server.url}/v1/realtime/presence?channel=room/p`, {
      headers: { authorization: `Bearer ${keys.secretKey}` },
    });
    expect(((await here.json()) as { data: Array<{ key: string }> }).data.map((e) => e.key)).toEqual([
      'bound',
    ]);
    holder.close();
    expect(await changes(1)).toEqual(['leave bound']);
    watcher.close();
  }, 15_000);

  it('keeps another project’s channel of the same name apart', async () => {
    const created = await fetch(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      body: '{"name":"another"}',
    });
    const other = ((await created.json()) as { secretKey: { key: string } }).secretKey.key;
    const mine = await subscribe(['same/name']);
    const theirs = await subscribe(['same/name'], {}, other);
    await mine.next();
    await theirs.next();
    await publish('same/name', 'for them', 'note', other);
    await publish('same/name', 'for me');
    expect(datas(await mine.take('message', 1))).toEqual(['for me']);
    expect(datas(await theirs.take('message', 1))).toEqual(['for them']);
    expect(await mine.quiet('message', 300)).toEqual([]);
    mine.close();
    theirs.close();
  });

  it('refuses an end user the rules do not allow, before the stream starts', async () => {
    const stream = await subscribe(['private/x'], {}, keys.publishableKey);
    expect(stream.status).toBe(403);
    expect(JSON.parse(await stream.text()).code).toBe('realtime/channel-denied');
  });

  it('delivers database change events to end users only as the table rules allow', async () => {
    const put = await fetch(`${server.url}/v1/rules`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: 0,
        channels: [{ pattern: 'table/*', subscribe: 'public' }],
        statements: [],
        tables: [
          { table: 'posts', read: 'public' },
          { table: 'notes', read: 'owner', ownerColumn: 'user_id' },
        ],
        learning: false,
      }),
    });
    expect(put.status).toBe(200);
    const user = await subscribe(['table/posts', 'table/notes'], {}, keys.publishableKey);
    const server_ = await subscribe(['table/posts', 'table/notes']);
    await user.next();
    await server_.next();
    const { realtime } = server.platform.services;
    const change = (table: string, id: number) =>
      realtime.publish(
        keys.projectId,
        `table/${table}`,
        'INSERT',
        { table, new: { id, user_id: 'usr_a' }, old: null },
        {
          row: { table, row: { id, user_id: 'usr_a' } },
        },
      );
    await change('notes', 1);
    await change('posts', 2);
    await change('notes', 3);
    expect((await server_.take('message', 3)).map((f) => f.data.data.new.id)).toEqual([1, 2, 3]);
    expect((await user.take('message', 1)).map((f) => f.data.data.new.id)).toEqual([2]);
    expect(await user.quiet('message', 300)).toEqual([]);
    user.close();
    server_.close();
  });
});
