// `pnpm --filter @aerostack/bench bench:cache`: cache.get and cache.set per second through HTTP
// with @aerostack/node's client, as a ratio to GET /healthz through the same client (client.health(),
// the same fetch, keep-alive and retry layers) in the same rounds. The platform starts as
// `pnpm bench` starts it (bench/lib/target.ts: its own process tree, a fresh data dir); the load
// runs in this process: `concurrency` callers (default 32), each awaiting its call before the next.
// Per round the three cases run back to back, their order rotating; medians of the rounds.
//
//   pnpm --filter @aerostack/bench bench:cache [--rounds 3] [--duration 5] [--concurrency 32] \
//     [--out bench/results/cache-<date>]
//
// DATABASE_URL / REDIS_URL pass through to the platform (PostgreSQL, Redis stores).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient, type NodeClient } from '../../packages/node/src/index.js';
import { parseOptions } from '../lib/options.js';
import { loadAverage, treeCpuS } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform } from '../lib/target.js';

const VALUE = { n: 1, s: 'hello' };
const SET_KEYS = 100;

interface Round {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the platform's process tree per call, µs. */
  cpuUsPerCall: number;
  errors: number;
}

type Case = {
  name: 'healthz' | 'cache.get' | 'cache.set';
  call: (client: NodeClient, i: number) => Promise<unknown>;
};

const CASES: Case[] = [
  { name: 'healthz', call: (client) => client.health() },
  { name: 'cache.get', call: (client) => client.cache.get('bench-get') },
  { name: 'cache.set', call: (client, i) => client.cache.set(`bench-set-${i % SET_KEYS}`, VALUE) },
];

const log = (line: string) => process.stderr.write(`${line}\n`);
const out: string[] = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** `concurrency` callers looping on `c` for `durationS`; each counts only calls that succeeded. */
async function drive(client: NodeClient, c: Case, concurrency: number, durationS: number, pid: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const cpuBefore = treeCpuS(pid);
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await c.call(client, next++);
          latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const cpuS = treeCpuS(pid) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerCall: latencies.length ? (cpuS * 1e6) / latencies.length : 0,
    errors,
  } satisfies Round;
}

async function main() {
  const o = parseOptions(process.argv.slice(2), {
    BENCH_CONCURRENCY: '32',
    BENCH_ROUNDS: '3',
    ...process.env,
  });
  const concurrency = o.concurrency.at(-1)!;
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-cache-'));
  const stores = process.env.REDIS_URL
    ? 'PostgreSQL + Redis'
    : process.env.DATABASE_URL
      ? 'PostgreSQL'
      : 'SQLite';
  log(
    `bench:cache: ${o.platformCmd} (${stores}); ${o.rounds} rounds × ${o.durationS} s at concurrency ${concurrency}`,
  );
  const platform = await startPlatform(o.root, o.platformCmd, dir, o.logLevel);
  try {
    const client = createClient({
      url: platform.url,
      secretKey: platform.auth.replace(/^Bearer /, ''),
      maxRetries: 0,
    });
    await client.cache.set('bench-get', VALUE);
    for (const c of CASES) {
      log(`warm-up ${c.name}`);
      await drive(client, c, concurrency, o.warmupS, platform.pid);
    }
    const rounds = new Map<Case['name'], Round[]>(CASES.map((c) => [c.name, []]));
    for (let r = 0; r < o.rounds; r++) {
      // Rotate who goes first, so a drift in the machine's load does not favour one case.
      const order = CASES.map((_, i) => CASES[(i + r) % CASES.length]!);
      for (const c of order) {
        const round = await drive(client, c, concurrency, o.durationS, platform.pid);
        rounds.get(c.name)!.push(round);
        log(
          `round ${r + 1} ${c.name}: ${round.rps.toFixed(0)} calls/s, p50 ${round.p50Ms.toFixed(2)} ms, ${round.errors} errors`,
        );
      }
    }
    const summary = CASES.map((c) => {
      const rs = rounds.get(c.name)!;
      return {
        name: c.name,
        rps: median(rs.map((x) => x.rps)),
        p50Ms: median(rs.map((x) => x.p50Ms)),
        p99Ms: median(rs.map((x) => x.p99Ms)),
        cpuUs: median(rs.map((x) => x.cpuUsPerCall)),
        errors: rs.reduce((sum, x) => sum + x.errors, 0),
        ratios: rs.map((x, i) => x.rps / rounds.get('healthz')![i]!.rps),
      };
    });
    print(`# bench:cache — ${new Date().toISOString().slice(0, 10)}`);
    print();
    print(
      `cache.get and cache.set through HTTP with \`@aerostack/node\`'s client at concurrency ${concurrency},`,
    );
    print('as a ratio to `GET /healthz` through the same client, measured in the same rounds.');
    print();
    print(
      `- platform: \`${o.platformCmd}\` (${o.platformCmdSource}), stores: ${stores}, LOG_LEVEL=${o.logLevel}`,
    );
    print(
      `- ${o.rounds} rounds × ${o.durationS} s per case (after ${o.warmupS} s warm-up each), order rotating; medians`,
    );
    print(
      `- machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadAverage()}, Node ${process.version}`,
    );
    print('- the load generator (this process) and the platform share the machine');
    print();
    print(
      '| case | calls/s | ÷ healthz (median of per-round ratios) | p50 ms | p99 ms | platform CPU µs/call | errors |',
    );
    print('|---|---:|---:|---:|---:|---:|---:|');
    for (const s of summary) {
      print(
        `| ${s.name} | ${s.rps.toFixed(0)} | ${median(s.ratios).toFixed(3)} | ${s.p50Ms.toFixed(2)} | ${s.p99Ms.toFixed(2)} | ${s.cpuUs.toFixed(0)} | ${s.errors} |`,
      );
    }
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(`${o.out}.md`, `${out.join('\n')}\n`);
      log(`wrote ${o.out}.md`);
    }
  } finally {
    await platform.stop();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
