// `pnpm --filter @aerostack/bench bench:queue`: jobs per second through the queue's HTTP API, each
// job enqueued, pulled with a lease and acked (three requests), by N closed-loop clients, against
// `/healthz` requests per second by the same number of clients in the same round (the baseline:
// the cheapest request the platform answers). Medians of rounds, on SQLite and, when
// BENCH_DATABASE_URL names a PostgreSQL server (an admin URL: a fresh database is made and
// dropped), on PostgreSQL. Never in CI.
//
//   pnpm --filter @aerostack/bench bench:queue -- --rounds 3 --duration 3 --concurrency 1,4,16
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '../lib/options.js';
import { loadAverage } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform, type Target } from '../lib/target.js';

interface Row {
  backend: string;
  concurrency: number;
  /** jobs per pull */
  batch: number;
  jobsPerS: number;
  healthzPerS: number;
  /** jobs/s ÷ healthz/s, the median of the per-round ratios */
  ratio: number;
  /** milliseconds per job (enqueue → pull → ack), median over the rounds' means */
  msPerJob: number;
}

async function post(target: Target, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(target.url + path, {
    method: 'POST',
    headers: { authorization: target.auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** `clients` loops of `step` for `seconds`; how many steps completed. */
async function closedLoop(clients: number, seconds: number, step: () => Promise<number>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) done += await step();
    }),
  );
  return done;
}

/** `batch` jobs through the queue: enqueue them, lease up to `batch` (any client's) in one pull, ack each. */
function jobStep(target: Target, type: string, batch = 1) {
  return async () => {
    for (let i = 0; i < batch; i++) await post(target, '/v1/queue/jobs', { type, payload: { n: i } });
    const { data } = (await post(target, '/v1/queue/pull', { types: [type], limit: batch })) as {
      data: Array<{ leaseId: string; job: { id: string } }>;
    };
    for (const leased of data) {
      await post(target, `/v1/queue/jobs/${leased.job.id}/ack`, { leaseId: leased.leaseId, result: true });
    }
    return data.length;
  };
}

function healthzStep(target: Target) {
  return async () => {
    const res = await fetch(`${target.url}/healthz`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`/healthz: ${res.status}`);
    return 1;
  };
}

/** A fresh database on the PostgreSQL server of `adminUrl`, dropped by `drop()`. */
async function freshPostgres(root: string, adminUrl: string) {
  // The platform's pg (bench has no dependency of its own on it).
  const pg = createRequire(join(root, 'platform/package.json'))('pg') as {
    Client: new (options: {
      connectionString: string;
    }) => {
      connect(): Promise<unknown>;
      query(text: string): Promise<unknown>;
      end(): Promise<unknown>;
    };
  };
  const name = `aerostack_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

async function measure(
  backend: string,
  target: Target,
  concurrency: number[],
  rounds: number,
  seconds: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  // Warm-up: the first statements compile, the first connections open.
  await closedLoop(4, 1, jobStep(target, 'bench.warmup'));
  await closedLoop(4, 1, healthzStep(target));
  const cases = [...concurrency.map((c) => ({ c, batch: 1 })), { c: 4, batch: 10 }];
  for (const { c, batch } of cases) {
    const jobs: number[] = [];
    const healthz: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const j = (await closedLoop(c, seconds, jobStep(target, `bench.${c}.${batch}.${r}`, batch))) / seconds;
      const h = (await closedLoop(c, seconds, healthzStep(target))) / seconds;
      jobs.push(j);
      healthz.push(h);
      ratios.push(j / h);
      console.log(
        `  ${backend} c=${c} batch=${batch} round ${r + 1}: ${j.toFixed(0)} jobs/s, ${h.toFixed(0)} healthz/s (load ${loadAverage()})`,
      );
    }
    const jobsPerS = median(jobs);
    rows.push({
      backend,
      concurrency: c,
      batch,
      jobsPerS,
      healthzPerS: median(healthz),
      ratio: median(ratios),
      msPerJob: (1000 * c) / jobsPerS,
    });
  }
  return rows;
}

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const o = parseOptions(args);
  const concurrency =
    args.includes('--concurrency') || process.env.BENCH_CONCURRENCY ? o.concurrency : [1, 4, 16];
  const rounds = Math.max(3, args.includes('--rounds') || process.env.BENCH_ROUNDS ? o.rounds : 3);
  const seconds = args.includes('--duration') || process.env.BENCH_DURATION ? o.durationS : 3;
  console.log(`bench:queue ${o.root}; platform: ${o.platformCmd}; ${rounds} rounds × ${seconds} s per case`);
  const backends: Array<{ name: string; databaseUrl: string | null; drop?: () => Promise<void> }> = [
    { name: 'sqlite', databaseUrl: null },
  ];
  const pgAdmin = process.env.BENCH_DATABASE_URL;
  if (pgAdmin) {
    const db = await freshPostgres(o.root, pgAdmin);
    backends.push({ name: 'postgres', databaseUrl: db.url, drop: db.drop });
  } else {
    console.log('  (PostgreSQL skipped: set BENCH_DATABASE_URL to an admin URL)');
  }
  const rows: Row[] = [];
  for (const backend of backends) {
    const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-queue-'));
    // The platform inherits this process's environment: a shared database needs master keys.
    const saved = { url: process.env.DATABASE_URL, keys: process.env.AEROSTACK_MASTER_KEYS };
    if (backend.databaseUrl) {
      process.env.DATABASE_URL = backend.databaseUrl;
      process.env.AEROSTACK_MASTER_KEYS ??= `1:${randomBytes(32).toString('base64')}`;
    } else delete process.env.DATABASE_URL;
    const target = await startPlatform(o.root, o.platformCmd, dir, 'error');
    for (const [name, value] of [
      ['DATABASE_URL', saved.url],
      ['AEROSTACK_MASTER_KEYS', saved.keys],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    try {
      rows.push(...(await measure(backend.name, target, concurrency, rounds, seconds)));
    } finally {
      await target.stop();
      await backend.drop?.();
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    '\n| backend | clients | jobs per pull | jobs/s (enqueue → pull → ack) | ms per job per client | /healthz req/s | jobs ÷ healthz |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${r.concurrency} | ${r.batch} | ${r.jobsPerS.toFixed(0)} | ${r.msPerJob.toFixed(2)} | ${r.healthzPerS.toFixed(0)} | ${r.ratio.toFixed(3)} |`,
    );
  }
}

await main();
