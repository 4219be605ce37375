import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { openSse } from './support/sse.js';
import { SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Realtime across processes: two nodes sharing PostgreSQL (with and without Redis), and two
// worker processes of one node sharing SQLite. A message published through one reaches the
// subscribers of the other, every subscriber sees one order, and a stream resumes on either.

describe.each(SHARED_BACKENDS)('realtime on two nodes on $name', (backend) => {
  const nodes = twoNodes(backend, {
    listen: true,
    overrides: (base) => ({ logLevel: 'error', realtime: { ...base.realtime, presenceTtlSeconds: 2 } }),
  });
  type Node = 'a' | 'b';
  const secretKey = () => nodes.a.keys!.secretKey;

  const subscribe = (node: Node, channel: string, headers: Record<string, string> = {}) =>
    openSse(`${nodes.urls[node]}/v1/realtime/events?channel=${channel}`, {
      authorization: `Bearer ${secretKey()}`,
      ...headers,
    });
  async function publish(node: Node, channel: string, data: unknown) {
    const res = await fetch(`${nodes.urls[node]}/v1/realtime/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel, event: 'note', data }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  }

  it('delivers a message published on one node to a subscriber on the other', async () => {
    const onA = await subscribe('a', 'nodes/x');
    await onA.next();
    await publish('b', 'nodes/x', 'from b');
    const got = await onA.take('message', 1);
    expect(got[0]!.data.data).toBe('from b');
    onA.close();
  });

  it('gives subscribers on both nodes every message once, in one order, under concurrent publishes', async () => {
    const onA = await subscribe('a', 'nodes/many');
    const onB = await subscribe('b', 'nodes/many');
    await onA.next();
    await onB.next();
    const sent = await Promise.all(
      Array.from({ length: 30 }, (_, n) => publish(n % 2 === 0 ? 'a' : 'b', 'nodes/many', n)),
    );
    const ids = (frames: { id?: string }[]) => frames.map((f) => Number(f.id));
    const seenA = ids(await onA.take('message', 30));
    const seenB = ids(await onB.take('message', 30));
    expect(seenA).toEqual([...seenA].sort((x, y) => x - y));
    expect(seenB).toEqual(seenA);
    expect(new Set(seenA)).toEqual(new Set(sent.map((m) => Number(m.id))));
    onA.close();
    onB.close();
  });

  it('announces one leave per presence entry, whichever node removes it', async () => {
    const watcher = await subscribe('a', 'nodes/here');
    await watcher.next();
    const holder = await subscribe('b', 'nodes/here');
    const { streamId } = (await holder.next()).data;
    const track = (node: Node, key: string, extra: Record<string, unknown> = {}) =>
      fetch(`${nodes.urls[node]}/v1/realtime/presence`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${secretKey()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'nodes/here', key, ...extra }),
      });
    expect((await track('b', 'bound', { streamId })).status).toBe(200);
    expect((await track('a', 'expires')).status).toBe(200);
    const changes = async (count: number) =>
      (await watcher.take('message', count, 5_000)).map((f) => `${f.data.data.action} ${f.data.data.key}`);
    expect(await changes(2)).toEqual(['join bound', 'join expires']);
    // Both nodes sweep expired entries; exactly one of them announces the leave.
    expect(await changes(1)).toEqual(['leave expires']);
    // `bound` outlives the TTL: node B keeps it alive while its stream is open, then removes it.
    await new Promise((r) => setTimeout(r, 3_000));
    holder.close();
    expect(await changes(1)).toEqual(['leave bound']);
    expect(await watcher.quiet('message', 1_500)).toEqual([]);
    watcher.close();
  }, 20_000);

  it('resumes on one node a stream that began on the other', async () => {
    const onA = await subscribe('a', 'nodes/resume');
    await onA.next();
    await publish('a', 'nodes/resume', 1);
    const [last] = await onA.take('message', 1);
    onA.close();
    await publish('a', 'nodes/resume', 2);
    await publish('b', 'nodes/resume', 3);
    const onB = await subscribe('b', 'nodes/resume', { 'last-event-id': last!.id! });
    expect((await onB.take('message', 2)).map((f) => f.data.data)).toEqual([2, 3]);
    onB.close();
  });
});

describe('realtime across the workers of one node', () => {
  let platform: PlatformProcess;
  let secretKey: string;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-realtime-cluster-'));
    platform = await spawnPlatform(join(import.meta.dirname, 'fixtures/main.ts'), {
      AEROSTACK_DATA_DIR: dataDir,
      AEROSTACK_WORKERS: '2',
    });
    secretKey = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')).secretKey;
  }, 60_000);
  afterAll(async () => {
    expect(await platform?.stop()).toBe(0);
  });

  it('delivers a message published through one worker to a subscriber on the other', async () => {
    const stream = await openSse(`${platform.url}/v1/realtime/events?channel=workers/x`, {
      authorization: `Bearer ${secretKey}`,
    });
    await stream.next();
    const subscribedOn = stream.headers.get('x-aerostack-worker');
    const publishedOn = new Set<string>();
    let sent = 0;
    for (let n = 0; n < 20 && publishedOn.size < 2; n++, sent++) {
      const res = await fresh(`${platform.url}/v1/realtime/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'workers/x', event: 'note', data: n }),
      });
      expect(res.status).toBe(201);
      publishedOn.add(res.headers['x-aerostack-worker'] as string);
    }
    expect(publishedOn).toEqual(new Set(['1', '2']));
    expect(publishedOn.has(subscribedOn!)).toBe(true);
    const frames = await stream.take('message', sent);
    expect(frames.map((f) => f.data.data)).toEqual([...Array(sent).keys()]);
    expect(await stream.quiet('message', 300)).toEqual([]);
    stream.close();
  });
  it('orders concurrent publishes through both workers into one sequence', async () => {
    const stream = await openSse(`${platform.url}/v1/realtime/events?channel=workers/many`, {
      authorization: `Bearer ${secretKey}`,
    });
    await stream.next();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        fresh(`${platform.url}/v1/realtime/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'workers/many', event: 'note', data: n }),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(201));
    expect(new Set(answers.map((a) => a.headers['x-aerostack-worker']))).toEqual(new Set(['1', '2']));
    const ids = (await stream.take('message', 30)).map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids)).toEqual(new Set(answers.map((a) => Number(JSON.parse(a.body).id))));
    stream.close();
  });
});
