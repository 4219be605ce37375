// `pnpm --filter @aerostack/bench bench:queue`: jobs per second through the queue's HTTP API, each
// job enqueued, pulled with a lease and acked (three requests), by N closed-loop clients, against
// `/healthz` requests per second by the same number of clients in the same round (the baseline:
// the cheapest request the platform answers). Then workers: 4 `createWorker`s (@aerostack/node) of
// concurrency 4 drain a backlog of jobs, checked done exactly once, against `/healthz` by 16
// clients. Medians of rounds, on SQLite and, when BENCH_DATABASE_URL names a PostgreSQL server (an
// admin URL: a fresh database is made and dropped per platform), on PostgreSQL. With `--versus DIR`
// (a checkout with a built platform/dist) both platforms run in the same rounds, alternating, and
// the table gains their ratio. Never in CI.
//
//   pnpm --filter @aerostack/bench bench:queue -- --rounds 3 --duration 3 --concurrency 1,4,16
//   pnpm --filter @aerostack/bench bench:queue -- --versus /tmp/before   # before/after, same run
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createWorker } from '../../packages/node/src/index.js';
import { parseOptions } from '../lib/options.js';
import { loadAverage, treeCpuS } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform, type Target } from '../lib/target.js';

interface Row {
  backend: string;
  /** `this`, or `versus` (the --versus checkout) */
  build: string;
  concurrency: number;
  /** jobs per pull, or `workers` (4 createWorkers of concurrency 4 draining a backlog) */
  batch: number | 'workers';
  jobsPerS: number;
  healthzPerS: number;
  /** jobs/s ÷ healthz/s, the median of the per-round ratios */
  ratio: number;
  /** milliseconds per job (enqueue → pull → ack), median over the rounds' means */
  msPerJob: number;
  /** the platform's CPU milliseconds per job, and per /healthz request (medians) */
  cpuMsPerJob: number;
  cpuMsPerHealthz: number;
  /** CPU per job ÷ CPU per /healthz: what a job costs in /healthz requests (median per round) */
  healthzPerJob: number;
}

/** `run`'s count, and the platform's CPU milliseconds per counted unit while it ran. */
async function withCpu(
  target: Target,
  run: () => Promise<number>,
): Promise<{ count: number; cpuMs: number }> {
  const before = treeCpuS(target.pid);
  const count = await run();
  return { count, cpuMs: ((treeCpuS(target.pid) - before) * 1000) / count };
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

/** Every job of `type` that succeeded, over the list's pages. */
async function countSucceeded(target: Target, type: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res = await fetch(
      `${target.url}/v1/queue/jobs?type=${type}&status=succeeded&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      { headers: { authorization: target.auth } },
    );
    const page = (await res.json()) as { data: unknown[]; nextCursor: string | null };
    count += page.data.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

/**
 * One round of the workers case: a backlog of `jobs` jobs (enqueued by 8 clients, not timed)
 * drained by 4 workers of concurrency 4; jobs per second from their start to their last ack.
 * Throws unless every job ran exactly once and succeeded.
 */
async function workersRound(
  target: Target,
  type: string,
  jobs: number,
): Promise<{ perS: number; cpuMs: number }> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs) await post(target, '/v1/queue/jobs', { type, payload: { i: next++ } });
    }),
  );
  const client = createClient({ url: target.url, secretKey: target.auth.replace(/^Bearer /, '') });
  const runs = new Map<string, number>();
  const errors: unknown[] = [];
  let drained!: () => void;
  const allRan = new Promise<void>((resolve) => {
    drained = resolve;
  });
  const started = performance.now();
  const cpuBefore = treeCpuS(target.pid);
  const workers = Array.from({ length: 4 }, () =>
    createWorker({
      client,
      types: [type],
      concurrency: 4,
      pollIntervalMs: 20,
      handler: (job) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        if (runs.size === jobs) drained();
        return true;
      },
      onError: (error) => errors.push(error),
    }),
  );
  await allRan;
  await Promise.all(workers.map((w) => w.stop())); // waits for the last acks
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = ((treeCpuS(target.pid) - cpuBefore) * 1000) / jobs;
  const twice = [...runs].filter(([, n]) => n > 1).length;
  const succeeded = await countSucceeded(target, type);
  if (errors.length > 0 || twice > 0 || succeeded !== jobs) {
    throw new Error(
      `workers: ${jobs} jobs, ${runs.size} ran, ${twice} more than once, ${succeeded} succeeded, errors: ${errors.map(String).join('; ')}`,
    );
  }
  return { perS: jobs / seconds, cpuMs };
}

interface Build {
  name: string;
  target: Target;
}

async function measure(
  backend: string,
  builds: Build[],
  concurrency: number[],
  rounds: number,
  seconds: number,
  backlog: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { target } of builds) {
    // Warm-up: the first statements compile, the first connections open.
    await closedLoop(4, 1, jobStep(target, 'bench.warmup'));
    await closedLoop(4, 1, healthzStep(target));
  }
  const cases: Array<{ c: number; batch: number | 'workers' }> = [
    ...concurrency.map((c) => ({ c, batch: 1 })),
    { c: 4, batch: 10 },
    { c: 16, batch: 'workers' },
  ];
  for (const { c, batch } of cases) {
    const samples = new Map(
      builds.map((b) => [
        b.name,
        { jobs: [] as number[], healthz: [] as number[], cpuJob: [] as number[], cpuHealthz: [] as number[] },
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      // Builds take turns going first, so neither always runs on the warmer machine.
      for (const { name, target } of r % 2 === 0 ? builds : [...builds].reverse()) {
        const type = `bench.${c}.${batch}.${r}`;
        let j: number;
        let cpuJob: number;
        if (batch === 'workers') {
          ({ perS: j, cpuMs: cpuJob } = await workersRound(target, type, backlog));
        } else {
          const run = await withCpu(target, () => closedLoop(c, seconds, jobStep(target, type, batch)));
          j = run.count / seconds;
          cpuJob = run.cpuMs;
        }
        const hz = await withCpu(target, () => closedLoop(c, seconds, healthzStep(target)));
        const h = hz.count / seconds;
        const sample = samples.get(name)!;
        sample.jobs.push(j);
        sample.healthz.push(h);
        sample.cpuJob.push(cpuJob);
        sample.cpuHealthz.push(hz.cpuMs);
        console.log(
          `  ${backend} ${name} c=${c} batch=${batch} round ${r + 1}: ${j.toFixed(0)} jobs/s, ${h.toFixed(0)} healthz/s, CPU ${cpuJob.toFixed(2)} ms/job, ${hz.cpuMs.toFixed(3)} ms/healthz (load ${loadAverage()})`,
        );
      }
    }
    for (const { name } of builds) {
      const { jobs, healthz, cpuJob, cpuHealthz } = samples.get(name)!;
      const jobsPerS = median(jobs);
      rows.push({
        backend,
        build: name,
        concurrency: c,
        batch,
        jobsPerS,
        healthzPerS: median(healthz),
        ratio: median(jobs.map((j, i) => j / healthz[i]!)),
        msPerJob: (1000 * c) / jobsPerS,
        cpuMsPerJob: median(cpuJob),
        cpuMsPerHealthz: median(cpuHealthz),
        healthzPerJob: median(cpuJob.map((j, i) => j / cpuHealthz[i]!)),
      });
    }
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
  const backlog = Number(process.env.BENCH_QUEUE_BACKLOG ?? 300);
  console.log(
    `bench:queue ${o.root}; platform: ${o.platformCmd}${o.versus ? `; versus ${o.versus.root}: ${o.versus.cmd}` : ''}; ${rounds} rounds × ${seconds} s per case, ${backlog} jobs per workers round`,
  );
  // BENCH_SQLITE=0 measures PostgreSQL alone (two shorter runs instead of one long one).
  const backends: Array<{ name: string; postgres: string | null }> =
    process.env.BENCH_SQLITE === '0' ? [] : [{ name: 'sqlite', postgres: null }];
  if (process.env.BENCH_DATABASE_URL)
    backends.push({ name: 'postgres', postgres: process.env.BENCH_DATABASE_URL });
  else console.log('  (PostgreSQL skipped: set BENCH_DATABASE_URL to an admin URL)');
  const sources = [
    { name: 'this', root: o.root, cmd: o.platformCmd },
    ...(o.versus ? [{ name: 'versus', root: o.versus.root, cmd: o.versus.cmd }] : []),
  ];
  const rows: Row[] = [];
  for (const backend of backends) {
    const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-queue-'));
    const builds: Build[] = [];
    const drops: Array<() => Promise<void>> = [];
    try {
      for (const source of sources) {
        // The platform inherits this process's environment: a shared database needs master keys.
        const saved = { url: process.env.DATABASE_URL, keys: process.env.AEROSTACK_MASTER_KEYS };
        if (backend.postgres) {
          const db = await freshPostgres(o.root, backend.postgres);
          drops.push(db.drop);
          process.env.DATABASE_URL = db.url;
          process.env.AEROSTACK_MASTER_KEYS ??= `1:${randomBytes(32).toString('base64')}`;
        } else delete process.env.DATABASE_URL;
        const name = source.name === 'this' ? 'platform' : 'versus';
        const target = await startPlatform(source.root, source.cmd, dir, 'error', name);
        for (const [key, value] of [
          ['DATABASE_URL', saved.url],
          ['AEROSTACK_MASTER_KEYS', saved.keys],
        ] as const) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
        builds.push({ name: source.name, target });
      }
      rows.push(...(await measure(backend.name, builds, concurrency, rounds, seconds, backlog)));
    } finally {
      for (const { target } of builds) await target.stop();
      for (const drop of drops) await drop();
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    '\n| backend | build | clients | jobs per pull | jobs/s (enqueue → pull → ack) | /healthz req/s | jobs ÷ healthz | platform CPU ms per job | per /healthz | job in /healthz (CPU) |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.backend} | ${r.build} | ${r.concurrency} | ${r.batch} | ${r.jobsPerS.toFixed(0)} | ${r.healthzPerS.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.cpuMsPerJob.toFixed(2)} | ${r.cpuMsPerHealthz.toFixed(3)} | ${r.healthzPerJob.toFixed(1)} |`,
    );
  }
  if (o.versus) {
    console.log(
      '\n| backend | clients | jobs per pull | jobs ÷ healthz, this ÷ versus | CPU per job, this ÷ versus | job in /healthz (CPU), this / versus |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows.filter((x) => x.build === 'this')) {
      const v = rows.find(
        (x) =>
          x.build === 'versus' &&
          x.backend === r.backend &&
          x.concurrency === r.concurrency &&
          x.batch === r.batch,
      )!;
      console.log(
        `| ${r.backend} | ${r.concurrency} | ${r.batch} | ${(r.ratio / v.ratio).toFixed(2)} | ${(r.cpuMsPerJob / v.cpuMsPerJob).toFixed(2)} | ${r.healthzPerJob.toFixed(1)} / ${v.healthzPerJob.toFixed(1)} |`,
      );
    }
  }
}

await main();
