// Cache operations through the whole platform (auth lookup, spec validation, store), as ratios
// against `/healthz` on the same server in the same run: the cost each layer adds, not absolute
// numbers that depend on the machine. Medians of several rounds; concurrency 8 over keep-alive.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform } from '@aerostack/platform';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = 8;

type Case = { name: string; init: (i: number) => [string, RequestInit] };

async function rate(url: string, c: Case): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const [path, init] = c.init(next++);
        const res = await fetch(url + path, init);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${c.name}: ${res.status}`);
      }
    }),
  );
  return REQUESTS / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const backends = [
    { name: 'sqlite', databaseUrl: undefined, redisUrl: undefined },
    ...(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL
      ? [{ name: 'redis', databaseUrl: undefined, redisUrl: process.env.TEST_REDIS_URL }]
      : []),
  ];
  for (const backend of backends) {
    const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-bench-'));
    const p = await startPlatform({
      dataDir,
      databaseUrl: backend.databaseUrl,
      redisUrl: backend.redisUrl,
      validateResponses: false,
    });
    const auth = { authorization: `Bearer ${p.secretKey}`, 'content-type': 'application/json' };
    await fetch(`${p.url}/v1/cache/bench`, { method: 'PUT', headers: auth, body: '{"value":{"n":1}}' });
    const cases: Case[] = [
      { name: 'healthz (baseline)', init: () => ['/healthz', {}] },
      { name: 'cache.get', init: () => ['/v1/cache/bench', { headers: auth }] },
      {
        name: 'cache.set',
        init: (i) => [`/v1/cache/k${i % 100}`, { method: 'PUT', headers: auth, body: `{"value":${i}}` }],
      },
      {
        name: 'cache.increment',
        init: () => ['/v1/cache/counter/increment', { method: 'POST', headers: auth }],
      },
    ];
    const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) results.get(c.name)!.push(await rate(p.url, c));
    }
    const base = median(results.get(cases[0]!.name)!);
    console.log(
      `\ncache store: ${backend.name} — ${ROUNDS} rounds × ${REQUESTS} requests, concurrency ${CONCURRENCY}`,
    );
    for (const c of cases) {
      const m = median(results.get(c.name)!);
      console.log(
        `  ${c.name.padEnd(20)} ${m.toFixed(0).padStart(7)} req/s   ${(m / base).toFixed(2)}× baseline`,
      );
    }
    await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
