import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClusterRateLimiter,
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
  type RateLimitResult,
  rateLimitHeaders,
} from '../../src/services/rate-limit/index.js';
import { loopbackCluster } from './support/loopback-cluster.js';
import { sleep } from './support/wait.js';

// One suite, every RateLimiter: memory, Redis, and the cluster limiter (two workers asking one
// primary over a loopback IPC channel; test/cluster runs it with real processes).

interface Subject {
  name: string;
  open(): Promise<{ limiter: RateLimiter; close(): Promise<void> }>;
}

const redisUrl = process.env.TEST_REDIS_URL;
const run = randomBytes(6).toString('hex');

const subjects: Subject[] = [
  {
    name: 'memory',
    async open() {
      const limiter = createMemoryRateLimiter();
      return { limiter, close: () => limiter.close() };
    },
  },
  ...(redisUrl
    ? [
        {
          name: 'redis',
          async open() {
            const limiter = createRedisRateLimiter({ redis: redisUrl, prefix: `aerostack-test:${run}:rl:` });
            return { limiter, close: () => limiter.close() };
          },
        },
      ]
    : []),
  {
    name: 'cluster (two workers, one primary)',
    async open() {
      const cluster = loopbackCluster();
      const workers = [cluster.addWorker(), cluster.addWorker()].map((w) =>
        createClusterRateLimiter({ link: w.link }),
      );
      let turn = 0;
      const limiter: RateLimiter = {
        take: (key, rule) => workers[turn++ % workers.length]!.take(key, rule),
        forget: (text) => workers[turn++ % workers.length]!.forget(text),
        close: async () => {},
      };
      return { limiter, close: () => cluster.close() };
    },
  },
];

describe.each(subjects)('RateLimiter: $name', (subject) => {
  let limiter: RateLimiter;
  let close: () => Promise<void>;
  let n = 0;
  const freshKey = () => `key-${run}-${++n}`;
  beforeAll(async () => {
    ({ limiter, close } = await subject.open());
  });
  afterAll(() => close?.());

  it('forgets the buckets whose key contains a text, and only those', async () => {
    const rule = { limit: 1, windowSeconds: 60 };
    const projectId = `prj_${run}${++n}`;
    const gone = [`auth.signIn:ip:${projectId}:10.0.0.1`, `ai:user:${projectId}:usr_1`];
    const kept = freshKey();
    for (const key of [...gone, kept]) expect((await limiter.take(key, rule)).allowed).toBe(true);
    await limiter.forget(projectId);
    for (const key of gone) expect((await limiter.take(key, rule)).allowed).toBe(true);
    expect((await limiter.take(kept, rule)).allowed).toBe(false);
  });

  it('allows the limit, then refuses with a Retry-After', async () => {
    const key = freshKey();
    const rule = { limit: 3, windowSeconds: 60 };
    const allowed: RateLimitResult[] = [];
    for (let i = 0; i < 3; i++) allowed.push(await limiter.take(key, rule));
    expect(allowed.map((r) => [r.allowed, r.remaining, r.retryAfterSeconds])).toEqual([
      [true, 2, 0],
      [true, 1, 0],
      [true, 0, 0],
    ]);
    expect(allowed.every((r) => r.limit === 3 && r.resetSeconds > 0 && r.resetSeconds <= 60)).toBe(true);

    const refused = await limiter.take(key, rule);
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    // One request comes back every 20 s (60 s / 3).
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(20);
    expect(refused.resetSeconds).toBeGreaterThan(40);
    expect(rateLimitHeaders(refused)).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': String(refused.resetSeconds),
      'Retry-After': String(refused.retryAfterSeconds),
    });
    // A refused request takes nothing: still refused, and no later.
    const again = await limiter.take(key, rule);
    expect(again.allowed).toBe(false);
    expect(again.retryAfterSeconds).toBeLessThanOrEqual(refused.retryAfterSeconds);
  });

  it('refills over time', async () => {
    // 2 per 2 s: one request every second comes back. Only two directions are asserted, each
    // with a second of slack: refused right after the burst, allowed once a second has passed.
    const key = freshKey();
    const rule = { limit: 2, windowSeconds: 2 };
    const start = Date.now();
    expect((await limiter.take(key, rule)).allowed).toBe(true);
    expect((await limiter.take(key, rule)).allowed).toBe(true);
    const refused = await limiter.take(key, rule);
    if (Date.now() - start < 1000) {
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBe(1);
    }
    await sleep(Math.max(0, start + 1050 - Date.now()));
    const refilled = await limiter.take(key, rule);
    expect(refilled.allowed).toBe(true);
  });

  it('keeps keys independent', async () => {
    const [a, b] = [freshKey(), freshKey()];
    const rule = { limit: 1, windowSeconds: 60 };
    expect((await limiter.take(a, rule)).allowed).toBe(true);
    expect((await limiter.take(a, rule)).allowed).toBe(false);
    expect(await limiter.take(b, rule)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('allows exactly the limit among 50 concurrent takes on one key', async () => {
    const key = freshKey();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => limiter.take(key, { limit: 10, windowSeconds: 60 })),
    );
    const allowed = results.filter((r) => r.allowed);
    expect(allowed).toHaveLength(10);
    expect(allowed.map((r) => r.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.filter((r) => !r.allowed).every((r) => r.retryAfterSeconds > 0)).toBe(true);
  });

  it('charges a cost, and a cost of 0 only looks', async () => {
    const key = freshKey();
    const rule = { limit: 5, windowSeconds: 60 };
    expect(await limiter.take(key, { ...rule, cost: 0 })).toMatchObject({ allowed: true, remaining: 5 });
    expect(await limiter.take(key, { ...rule, cost: 3 })).toMatchObject({ allowed: true, remaining: 2 });
    const refused = await limiter.take(key, { ...rule, cost: 3 });
    expect(refused).toMatchObject({ allowed: false, remaining: 2 });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await limiter.take(key, { ...rule, cost: 2 })).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.take(key, { ...rule, cost: 0 })).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('counts exactly with a fractional interval (3 per 1000 s)', async () => {
    const key = freshKey();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.take(key, { limit: 3, windowSeconds: 1000 }));
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
  });

  it.each([
    { limit: 0, windowSeconds: 60 },
    { limit: 1.5, windowSeconds: 60 },
    { limit: 5, windowSeconds: 0 },
    { limit: 5, windowSeconds: 60, cost: 6 },
    { limit: 5, windowSeconds: 60, cost: -1 },
  ])('refuses the rule %o as a programming error', async (rule) => {
    await expect(limiter.take(freshKey(), rule)).rejects.toThrow(RangeError);
  });
});

describe('createMemoryRateLimiter', () => {
  it('stays within maxKeys and drops refilled buckets', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter({ maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i++) await limiter.take(`k${i}`, { limit: 5, windowSeconds: 10 });
    expect(limiter.size).toBeLessThanOrEqual(100);
    // A full map drops the least recently used bucket: that key starts over.
    expect((await limiter.take('k999', { limit: 1, windowSeconds: 10 })).allowed).toBe(false);
    // Once they have refilled, the next insert into the full map sweeps them all at once.
    now += 60_000;
    await limiter.take('late', { limit: 5, windowSeconds: 10 });
    for (let i = 0; i < 50; i++) await limiter.take(`again${i}`, { limit: 5, windowSeconds: 10 });
    expect(limiter.size).toBe(51);
    expect((await limiter.take('late', { limit: 5, windowSeconds: 10, cost: 0 })).remaining).toBe(4);
    await limiter.close();
  });
});

describe('rateLimitHeaders', () => {
  it('names the IETF draft fields, and adds Retry-After only when refused', () => {
    expect(
      rateLimitHeaders({ allowed: true, limit: 120, remaining: 119, resetSeconds: 1, retryAfterSeconds: 0 }),
    ).toEqual({ 'RateLimit-Limit': '120', 'RateLimit-Remaining': '119', 'RateLimit-Reset': '1' });
  });
});
