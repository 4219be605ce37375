import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectToPrimary, createHub } from '../../src/cluster/index.js';
import { createClusterBus } from '../../src/services/bus/index.js';
import { loopbackCluster } from '../services/support/loopback-cluster.js';
import { waitFor } from '../services/support/wait.js';

// The hub and the worker link over the loopback channel: acknowledgements, dead and stuck
// workers, timeouts. (test/cluster/workers.test.ts runs them over real IPC.)

const settled = <T>(promise: Promise<T>) => {
  const state = { done: false };
  promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
};
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('the primary hub', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  const open = (options: Parameters<typeof loopbackCluster>[0] = {}) => {
    const cluster = loopbackCluster(options);
    closers.push(cluster.close);
    return cluster;
  };

  it("resolves a publish only after every worker's handlers have finished", async () => {
    const cluster = open();
    const [a, b] = [cluster.addWorker(), cluster.addWorker()];
    const [busA, busB] = [await createClusterBus({ link: a.link }), await createClusterBus({ link: b.link })];
    let finish!: () => void;
    busB.subscribe('slow', () => new Promise<void>((resolve) => (finish = resolve)));
    const publish = settled(busA.publish('slow', 'x'));
    await turns();
    expect(publish.done).toBe(false);
    finish();
    await waitFor(() => publish.done, 2000, 'publish');
  });

  it('stops waiting for a worker that dies before acknowledging', async () => {
    const cluster = open({ ackTimeoutMs: 60_000 });
    const [a, b] = [cluster.addWorker(), cluster.addWorker()];
    const busA = await createClusterBus({ link: a.link });
    const busB = await createClusterBus({ link: b.link });
    busB.subscribe('hang', () => new Promise<void>(() => {}));
    const publish = settled(busA.publish('hang', 'x'));
    await turns();
    expect(publish.done).toBe(false);
    b.kill();
    await waitFor(() => publish.done, 2000, 'publish');
    // The dead worker is no longer sent anything: the next publish resolves at once.
    await busA.publish('hang', 'y');
  });

  it('waits for a stuck live worker at most ackTimeoutMs, and reports it', async () => {
    const onError = vi.fn();
    const cluster = open({ ackTimeoutMs: 100, onError });
    const [a, b] = [cluster.addWorker(), cluster.addWorker()];
    const busA = await createClusterBus({ link: a.link });
    const busB = await createClusterBus({ link: b.link });
    busB.subscribe('hang', () => new Promise<void>(() => {}));
    await busA.publish('hang', 'x');
    expect(onError).toHaveBeenCalledWith(
      'cluster: workers did not acknowledge a bus message in time',
      expect.objectContaining({ channel: 'hang', workers: ['worker-2'], ackTimeoutMs: 100 }),
    );
  });

  it('no longer delivers to a worker whose bus is closed', async () => {
    const cluster = open();
    const [a, b] = [cluster.addWorker(), cluster.addWorker()];
    const busA = await createClusterBus({ link: a.link });
    const busB = await createClusterBus({ link: b.link });
    const got: unknown[] = [];
    busB.subscribe('c', (m) => void got.push(m));
    await busA.publish('c', 1);
    await busB.close();
    await busA.publish('c', 2);
    expect(got).toEqual([1]);
  });

  it('answers a bad rate-limit rule with a RangeError, and ignores messages that are not its own', async () => {
    const cluster = open();
    const { link } = cluster.addWorker();
    await expect(
      link.request('rate-limit.take', { key: 'k', rule: { limit: 0, windowSeconds: 1 } }),
    ).rejects.toThrow(RangeError);
    const connection = createHub().connect({ id: 'x', send: () => {} });
    expect(connection.receive({ hello: 'world' })).toBe(false);
    expect(connection.receive(null)).toBe(false);
  });
});

describe('the worker link', () => {
  it('times out a request the primary never answers', async () => {
    const link = connectToPrimary({
      transport: { send: () => {}, onMessage: () => () => {}, onDisconnect: () => () => {} },
    });
    await expect(
      link.request('rate-limit.take', { key: 'k', rule: { limit: 1, windowSeconds: 1 } }, { timeoutMs: 50 }),
    ).rejects.toMatchObject({
      name: 'ClusterError',
      code: 'cluster/timeout',
    });
    link.close();
  });

  it('fails pending requests when the primary goes away, and later ones at once', async () => {
    let disconnect!: () => void;
    const link = connectToPrimary({
      transport: {
        send: () => {},
        onMessage: () => () => {},
        onDisconnect: (listener) => {
          disconnect = listener;
          return () => {};
        },
      },
    });
    const pending = link.request('bus.publish', { channel: 'c', message: 1 });
    disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'cluster/disconnected' });
    link.close();
    await expect(link.request('bus.attach', {})).rejects.toMatchObject({ code: 'cluster/disconnected' });
  });

  it('refuses to start outside a worker process', () => {
    const send = process.send;
    process.send = undefined;
    try {
      expect(() => connectToPrimary()).toThrow(expect.objectContaining({ code: 'cluster/not-a-worker' }));
    } finally {
      process.send = send;
    }
  });
});
