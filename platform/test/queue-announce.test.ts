import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import { createAnnouncer } from '../src/modules/queue/announcer.js';
import type { Message } from '../src/modules/realtime/service.js';
import type { RealtimeTables } from '../src/modules/realtime/store.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { openSse } from './support/sse.js';

// Job changes' realtime messages (decision 0047): written in order, several per write, after the
// answer; a pull of several jobs and their acks reach a watcher of each job, in order; realtime's
// publishMany numbers a batch in order, links each message to its channel's previous one and
// keeps each channel's buffer bound.

describe('the queue announcer', () => {
  const sink = () => {
    const writes: Array<{ projectId: string; messages: Message[] }> = [];
    let release: (() => void) | null = null;
    return {
      writes,
      /** Holds the next write until `open()`. */
      hold() {
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        return gate;
      },
      open: () => release?.(),
    };
  };

  it('writes what queued in one turn as one write per project, in order, and flush waits for it', async () => {
    const s = sink();
    const announcer = createAnnouncer(
      async (projectId, messages) => {
        s.writes.push({ projectId, messages });
      },
      (error) => {
        throw error;
      },
    );
    for (let i = 0; i < 3; i++) await announcer.add('prj_a', `queue/jobs/j${i}`, 'job', { i });
    await announcer.add('prj_b', 'queue/jobs/k', 'job', { k: 1 });
    await announcer.add('prj_a', 'queue/jobs/j0', 'job', { i: 'again' });
    expect(s.writes).toEqual([]); // nothing written before the answer goes out
    await announcer.flush();
    expect(s.writes.map((w) => [w.projectId, w.messages.map((m) => m.data)])).toEqual([
      ['prj_a', [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 'again' }]],
      ['prj_b', [{ k: 1 }]],
    ]);
  });

  it('batches what queues while a write runs into the next one, and logs a failed write', async () => {
    const s = sink();
    const failures: string[] = [];
    let gate: Promise<void> | null = null;
    const announcer = createAnnouncer(
      async (projectId, messages) => {
        s.writes.push({ projectId, messages });
        if (gate) await gate;
        if (messages.some((m) => m.data === 'bad')) throw new Error('write failed');
      },
      (error, projectId) => failures.push(`${projectId}: ${String(error)}`),
    );
    gate = s.hold();
    await announcer.add('prj_a', 'queue/jobs/j1', 'job', 'bad');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.writes).toHaveLength(1); // held
    for (const data of ['x', 'y', 'z']) await announcer.add('prj_a', 'queue/jobs/j2', 'job', data);
    gate = null;
    s.open();
    await announcer.flush();
    expect(s.writes.map((w) => w.messages.map((m) => m.data))).toEqual([['bad'], ['x', 'y', 'z']]);
    expect(failures).toEqual(['prj_a: Error: write failed']);
  });

  it('makes a change wait for the backlog once it is past its bound', async () => {
    const s = sink();
    let gate: Promise<void> | null = s.hold();
    const announcer = createAnnouncer(
      async () => {
        if (gate) await gate;
      },
      () => {},
    );
    const answers: Array<Promise<void>> = [];
    for (let i = 0; i <= 2_001; i++) answers.push(announcer.add('prj_a', 'queue/jobs/j', 'job', i));
    let settled = false;
    void answers.at(-1)!.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false); // past the bound: waits for the backlog
    await answers[0]; // within the bound: answered at once
    gate = null;
    s.open();
    await answers.at(-1);
    expect(settled).toBe(true);
  });
});

describe.each(BACKENDS)('job changes over realtime on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let secretKey: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    stores = await backend.create();
    server = await listen({
      ...configFor(stores, { env: { AEROSTACK_REALTIME_BUFFER_COUNT: '3' } }),
      port: 0,
      logLevel: 'error',
    });
    secretKey = server.platform.keys!.secretKey;
  });
  afterAll(async () => {
    await server?.close(1_000);
    await stores?.cleanup();
  });

  it('tells a watcher of each job of one pull its lease and its ack, in order', async () => {
    const type = 'announce.many';
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push((await call('POST', '/v1/queue/jobs', { type, payload: i })).json);
    const query = jobs.map((j) => `channel=${encodeURIComponent(j.channel)}`).join('&');
    const stream = await openSse(`${server.url}/v1/realtime/events?${query}`, {
      authorization: `Bearer ${secretKey}`,
    });
    await stream.next((f) => f.event === 'subscribed');
    const leased = (await call('POST', '/v1/queue/pull', { types: [type], limit: 4 })).json.data;
    expect(leased).toHaveLength(4);
    for (const l of leased) {
      expect((await call('POST', `/v1/queue/jobs/${l.job.id}/ack`, { leaseId: l.leaseId })).status).toBe(200);
    }
    const seen = new Map<string, string[]>();
    while ([...seen.values()].filter((s) => s.at(-1) === 'succeeded').length < 4) {
      const frame = await stream.next((f) => f.event === 'message', 20_000);
      const list = seen.get(frame.data.data.id) ?? [];
      list.push(frame.data.data.status);
      seen.set(frame.data.data.id, list);
    }
    stream.close();
    for (const job of jobs) {
      // The enqueue's own message may come after the stream subscribed (it is written after the
      // answer); the lease's and the ack's always come, in this order.
      expect(seen.get(job.id)!.filter((s) => s !== 'queued')).toEqual(['running', 'succeeded']);
    }
  });

  it('publishes a batch in order, each message linked to its channel’s previous one, within the buffer bound', async () => {
    const { realtime, database } = server.platform.services;
    const { projectId } = server.platform.keys!;
    const before = await realtime.publish(projectId, 'batch/a', 'm', 0);
    const ids = await realtime.publishMany(projectId, [
      { channel: 'batch/a', event: 'm', data: 1 },
      { channel: 'batch/b', event: 'm', data: 'b' },
      { channel: 'batch/a', event: 'm', data: 2 },
      { channel: 'batch/a', event: 'm', data: 3 },
    ]);
    expect(ids.map(Number)).toEqual([1, 2, 3, 4].map((i) => Number(before) + i));
    expect(await realtime.publishMany(projectId, [])).toEqual([]);
    const history = async (channel: string) =>
      (await call('GET', `/v1/realtime/messages?channel=${channel}`)).json.data.map(
        (m: { id: string; data: unknown }) => [m.id, m.data],
      );
    // Four messages on batch/a, a buffer of three: the oldest is gone.
    expect(await history('batch/a')).toEqual([
      [ids[3], 3],
      [ids[2], 2],
      [ids[0], 1],
    ]);
    expect(await history('batch/b')).toEqual([[ids[1], 'b']]);
    const rows = await tables<RealtimeTables>(database)
      .selectFrom('realtime_events')
      .select(['seq', 'prev_seq'])
      .where('project_id', '=', projectId)
      .where('channel', '=', 'batch/a')
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [String(r.seq), r.prev_seq === null ? null : String(r.prev_seq)])).toEqual([
      [ids[0], before],
      [ids[2], ids[0]],
      [ids[3], ids[2]],
    ]);
  });
});
