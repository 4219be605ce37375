import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  type BusDelivery,
  combineBuses,
  createClusterBus,
  createLocalBus,
  createPostgresBus,
  createRedisBus,
  type JsonValue,
  MAX_NOTIFY_BYTES,
} from '../../src/services/bus/index.js';
import { BACKENDS } from '../support/backends.js';
import { loopbackCluster } from './support/loopback-cluster.js';
import { waitFor } from './support/wait.js';

// One suite, every Bus: in-process; cluster (two workers, one primary, over a loopback IPC
// channel); Redis and PostgreSQL between two nodes; and each of those combined with a node-local
// bus, as the platform runs them. `nodes[i][j]` is the bus of worker j on node i.

interface Opened {
  nodes: Bus[][];
  close(): Promise<void>;
}

interface Subject {
  name: string;
  /** When publish resolves, every process of the publisher's node has run its handlers. */
  localBeforeResolve: boolean;
  /** The largest message the bus carries, when it has a small limit. */
  maxBytes?: number;
  open(): Promise<Opened>;
}

const redisUrl = process.env.TEST_REDIS_URL;
const postgres = BACKENDS.find((b) => b.name === 'postgres');
const run = randomBytes(6).toString('hex');
let subjectNumber = 0;
const nodeIds = () => [`node_a${++subjectNumber}`, `node_b${subjectNumber}`] as const;

async function clusterNode(nodeId: string, workers: number) {
  const cluster = loopbackCluster();
  const buses: Bus[] = [];
  for (let i = 0; i < workers; i++)
    buses.push(await createClusterBus({ link: cluster.addWorker().link, nodeId }));
  return { buses, cluster };
}

async function closeAll(buses: Bus[], ...rest: (() => Promise<void>)[]) {
  await Promise.all(buses.map((bus) => bus.close()));
  for (const close of rest) await close();
}

const redisBus = (nodeId: string) =>
  createRedisBus({ url: redisUrl!, nodeId, prefix: `aerostack-test:${run}:${subjectNumber}:bus:` });

async function pgDatabase() {
  const stores = await postgres!.create();
  return { url: stores.databaseUrl!, cleanup: stores.cleanup };
}

const subjects: Subject[] = [
  {
    name: 'in-process',
    localBeforeResolve: true,
    async open() {
      const bus = createLocalBus();
      return { nodes: [[bus]], close: () => bus.close() };
    },
  },
  {
    name: 'cluster',
    localBeforeResolve: true,
    async open() {
      const [id] = nodeIds();
      const { buses, cluster } = await clusterNode(id, 2);
      return { nodes: [buses], close: () => closeAll(buses, cluster.close) };
    },
  },
  ...(redisUrl
    ? [
        {
          name: 'redis',
          localBeforeResolve: false,
          async open() {
            const [a, b] = nodeIds();
            const buses = [await redisBus(a), await redisBus(b)];
            return { nodes: [[buses[0]!], [buses[1]!]], close: () => closeAll(buses) };
          },
        },
        {
          name: 'cluster + redis',
          localBeforeResolve: true,
          async open() {
            const nodes: Bus[][] = [];
            const clusters: (() => Promise<void>)[] = [];
            const all: Bus[] = [];
            for (const id of nodeIds()) {
              const { buses, cluster } = await clusterNode(id, 2);
              const combined = [];
              for (const local of buses) combined.push(combineBuses(local, await redisBus(id)));
              nodes.push(combined);
              all.push(...combined);
              clusters.push(cluster.close);
            }
            return { nodes, close: () => closeAll(all, ...clusters) };
          },
        },
      ]
    : []),
  ...(postgres
    ? [
        {
          name: 'postgres',
          localBeforeResolve: false,
          maxBytes: MAX_NOTIFY_BYTES,
          async open() {
            const database = await pgDatabase();
            const [a, b] = nodeIds();
            const buses = await Promise.all([
              createPostgresBus({ url: database.url, nodeId: a }),
              createPostgresBus({ url: database.url, nodeId: b }),
            ]);
            return { nodes: [[buses[0]], [buses[1]]], close: () => closeAll(buses, database.cleanup) };
          },
        },
        {
          name: 'in-process + postgres',
          localBeforeResolve: true,
          maxBytes: MAX_NOTIFY_BYTES,
          async open() {
            const database = await pgDatabase();
            const nodes: Bus[][] = [];
            for (const nodeId of nodeIds()) {
              const remote = await createPostgresBus({ url: database.url, nodeId });
              nodes.push([combineBuses(createLocalBus({ nodeId }), remote)]);
            }
            return { nodes, close: () => closeAll(nodes.flat(), database.cleanup) };
          },
        },
      ]
    : []),
];

/** Records what each bus receives on a channel. */
function record(buses: Bus[], channel: string, handlersPerBus = 1) {
  const received = buses.map(() =>
    Array.from({ length: handlersPerBus }, () => [] as [JsonValue, BusDelivery][]),
  );
  const stops = buses.flatMap((bus, i) =>
    received[i]!.map((into) =>
      bus.subscribe(channel, (message, delivery) => void into.push([message, delivery])),
    ),
  );
  return {
    /** Messages per bus, from its first handler. */
    messages: (bus: number) => received[bus]![0]!.map(([m]) => m),
    received,
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}

describe.each(subjects)('Bus: $name', (subject) => {
  let opened: Opened;
  let all: Bus[];
  let publisher: Bus;
  /** A bus on the last node (another node where there are two; another worker or the same bus otherwise). */
  let far: Bus;
  let channelNumber = 0;
  const channel = () => `test:${run}:${++channelNumber}`;

  beforeAll(async () => {
    opened = await subject.open();
    all = opened.nodes.flat();
    publisher = all[0]!;
    far = all.at(-1)!;
  });
  afterAll(() => opened?.close());

  it('delivers to every subscriber of every process and node once, the publisher included', async () => {
    const ch = channel();
    const seen = record(all, ch, 2);
    const elsewhere = record(all, channel());
    await publisher.publish(ch, { hello: 'world' });
    if (subject.localBeforeResolve) {
      for (const bus of opened.nodes[0]!.keys()) expect(seen.messages(bus)).toEqual([{ hello: 'world' }]);
    }
    await waitFor(
      () => seen.received.every((handlers) => handlers.every((h) => h.length >= 1)),
      5000,
      'delivery',
    );
    // A message published by another node after everyone had the first arrives after any late
    // duplicate of the first would have (each transport keeps order): so counting now is final.
    await far.publish(ch, 'marker');
    await waitFor(
      () => seen.received.every((handlers) => handlers.every((h) => h.length >= 2)),
      5000,
      'marker',
    );
    for (const handlers of seen.received) {
      for (const got of handlers) {
        expect(got).toEqual([
          [{ hello: 'world' }, { channel: ch, origin: publisher.nodeId }],
          ['marker', { channel: ch, origin: far.nodeId }],
        ]);
      }
    }
    for (const bus of all.keys()) expect(elsewhere.messages(bus)).toEqual([]);
    seen.stop();
    elsewhere.stop();
  });

  it('stops delivering to a handler once unsubscribed, and only to it', async () => {
    const ch = channel();
    const stays = record(all, ch);
    const leaves = record(all, ch);
    await publisher.publish(ch, 1);
    await waitFor(() => all.every((_, i) => leaves.messages(i).length === 1), 5000, 'first');
    leaves.stop();
    await publisher.publish(ch, 2);
    await waitFor(() => all.every((_, i) => stays.messages(i).length === 2), 5000, 'second');
    for (const i of all.keys()) {
      expect(stays.messages(i)).toEqual([1, 2]);
      expect(leaves.messages(i)).toEqual([1]);
    }
    stays.stop();
  });

  it("keeps each publisher's order", async () => {
    const ch = channel();
    const seen = record(all, ch);
    const publishers = [publisher, far];
    await Promise.all(
      Array.from({ length: 30 }, (_, seq) => publishers.map((bus, p) => bus.publish(ch, { p, seq }))).flat(),
    );
    await waitFor(() => all.every((_, i) => seen.messages(i).length === 60), 5000, '60 messages');
    for (const i of all.keys()) {
      const got = seen.messages(i) as { p: number; seq: number }[];
      for (const p of [0, 1]) {
        expect(got.filter((m) => m.p === p).map((m) => m.seq)).toEqual(
          Array.from({ length: 30 }, (_, s) => s),
        );
      }
    }
    seen.stop();
  });

  it('round-trips JSON and gives subscribers a copy', async () => {
    const ch = channel();
    const seen = record(all, ch);
    const values: JsonValue[] = [
      { nested: { list: [1, -2.5, 1e21, true, false, null, 'text'], empty: {}, none: [] } },
      'ünïcødé 🔑 "quoted" \\ \n',
      0,
      null,
      [],
    ];
    for (const value of values) await publisher.publish(ch, value);
    await waitFor(() => all.every((_, i) => seen.messages(i).length === values.length), 5000, 'all values');
    for (const i of all.keys()) expect(seen.messages(i)).toEqual(values);
    expect(seen.messages(0)[0]).not.toBe(values[0]);
    seen.stop();
  });

  it('refuses what it cannot carry, with a typed error', async () => {
    await expect(publisher.publish(channel(), undefined as unknown as JsonValue)).rejects.toMatchObject({
      name: 'BusError',
      code: 'bus/not-json',
    });
    await expect(publisher.publish(channel(), { n: 1n } as unknown as JsonValue)).rejects.toMatchObject({
      code: 'bus/not-json',
    });
    await expect(publisher.publish('', 1)).rejects.toMatchObject({ code: 'bus/invalid-channel' });
    expect(() => publisher.subscribe('', () => {})).toThrow(
      expect.objectContaining({ code: 'bus/invalid-channel' }),
    );
  });

  it(`carries a large message${subject.maxBytes ? ' up to its limit, and refuses a larger one clearly' : ''}`, async () => {
    const ch = channel();
    const seen = record([far], ch);
    const fits = subject.maxBytes ? 'x'.repeat(subject.maxBytes - 200) : 'x'.repeat(256 * 1024);
    await publisher.publish(ch, fits);
    await waitFor(() => seen.messages(0).length === 1, 5000, 'large message');
    expect(seen.messages(0)[0]).toBe(fits);
    if (subject.maxBytes) {
      await expect(publisher.publish(ch, 'x'.repeat(subject.maxBytes))).rejects.toMatchObject({
        code: 'bus/message-too-large',
        message: expect.stringMatching(/at most 7999 bytes.*publish an id/),
      });
    }
    seen.stop();
  });

  it('closes cleanly: no handles left behind, and publishing afterwards fails', async () => {
    // Resources by type; what remains after close must not exceed what there was before open.
    const count = () => {
      const counts = new Map<string, number>();
      for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
      return counts;
    };
    const before = count();
    const leftovers = () =>
      [...count()].filter(([type, n]) => n > (before.get(type) ?? 0) && type !== 'Immediate').map(([t]) => t);
    const own = await subject.open();
    const ch = channel();
    const seen = record(own.nodes.flat(), ch);
    await own.nodes[0]![0]!.publish(ch, 'last');
    await waitFor(() => own.nodes.flat().every((_, i) => seen.messages(i).length === 1), 5000, 'delivery');
    await own.close();
    await expect(own.nodes[0]![0]!.publish(ch, 'after')).rejects.toMatchObject({ code: 'bus/closed' });
    await waitFor(() => leftovers().length === 0, 3000, 'the handles to close');
  });
});
