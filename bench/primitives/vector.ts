// `pnpm --filter @aerostack/bench bench:vector`: vector query latency through the platform's HTTP
// API at 10k (and, with --sizes, 100k) random vectors of dimension 384 (seeded), cosine, topK 10:
// unfiltered and with a metadata filter keeping 1 vector in 10, against `/healthz` latency measured
// in the same rounds (the baseline: the cheapest request the platform answers). One client, one
// request at a time; p50 / p95 per round, medians over rounds. SQLite (sqlite-vec, exact k-nearest)
// and, when BENCH_DATABASE_URL names a PostgreSQL admin URL, PostgreSQL (pgvector's HNSW where the
// server has the extension, otherwise exact search in the platform; the table says which). The
// vectors are loaded with batched upserts (1000 per request), timed too. Never in CI.
//
//   pnpm --filter @aerostack/bench bench:vector -- --sizes 10000,100000 --rounds 3 --queries 30
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '../lib/options.js';
import { loadAverage } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform, type Target } from '../lib/target.js';

const DIMENSION = 384;
const BATCH = 1000;
const TOP_K = 10;
const GROUPS = 10;

interface Row {
  backend: string;
  engine: string;
  vectors: number;
  loadS: number;
  queryP50: number;
  queryP95: number;
  filteredP50: number;
  filteredP95: number;
  healthzP50: number;
  /** query p50 ÷ healthz p50, the median of the per-round ratios */
  ratio: number;
}

/** mulberry32: the same vectors in every run and on every backend. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** Numbers rounded to 6 significant digits: the JSON stays small, the float32s stay distinct. */
const vectorOf = (next: () => number) =>
  Array.from({ length: DIMENSION }, () => Number(next().toPrecision(6)));

async function request(target: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(target.url + path, {
    method,
    headers: { authorization: target.auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

async function timed(step: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await step();
  return performance.now() - start;
}

async function load(target: Target, index: string, count: number): Promise<number> {
  const next = seeded(42);
  const start = performance.now();
  for (let offset = 0; offset < count; offset += BATCH) {
    const vectors = Array.from({ length: Math.min(BATCH, count - offset) }, (_, i) => ({
      id: `v${offset + i}`,
      values: vectorOf(next),
      metadata: { group: (offset + i) % GROUPS },
    }));
    await request(target, 'POST', `/v1/vector/indexes/${index}/vectors`, { vectors });
  }
  return (performance.now() - start) / 1000;
}

async function measure(
  backend: string,
  target: Target,
  sizes: number[],
  rounds: number,
  queries: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  const queryVectors = Array.from(
    { length: queries },
    (
      (next) => () =>
        vectorOf(next)
    )(seeded(7)),
  );
  for (const size of sizes) {
    const index = `bench-${size}`;
    const created = (await request(target, 'POST', '/v1/vector/indexes', {
      name: index,
      dimension: DIMENSION,
    })) as {
      engine: string;
    };
    const loadS = await load(target, index, size);
    const { count } = (await request(target, 'GET', `/v1/vector/indexes/${index}/count`)) as {
      count: number;
    };
    if (count !== size) throw new Error(`${index}: ${count} vectors after loading ${size}`);
    console.log(
      `  ${backend} ${size}: loaded in ${loadS.toFixed(1)} s (engine ${created.engine}, load ${loadAverage()})`,
    );
    // Warm-up: statements compiled, pages cached.
    for (const vector of queryVectors.slice(0, 3)) {
      await request(target, 'POST', `/v1/vector/indexes/${index}/query`, { vector, topK: TOP_K });
    }
    const per = {
      q50: [] as number[],
      q95: [] as number[],
      f50: [] as number[],
      f95: [] as number[],
      h50: [] as number[],
      ratio: [] as number[],
    };
    for (let r = 0; r < rounds; r++) {
      const plain: number[] = [];
      const filtered: number[] = [];
      const healthz: number[] = [];
      for (const [i, vector] of queryVectors.entries()) {
        plain.push(
          await timed(() =>
            request(target, 'POST', `/v1/vector/indexes/${index}/query`, { vector, topK: TOP_K }),
          ),
        );
        filtered.push(
          await timed(() =>
            request(target, 'POST', `/v1/vector/indexes/${index}/query`, {
              vector,
              topK: TOP_K,
              filter: { group: i % GROUPS },
            }),
          ),
        );
        healthz.push(
          await timed(async () => {
            const res = await fetch(`${target.url}/healthz`);
            await res.arrayBuffer();
          }),
        );
      }
      const q50 = percentile(plain, 50);
      const h50 = percentile(healthz, 50);
      per.q50.push(q50);
      per.q95.push(percentile(plain, 95));
      per.f50.push(percentile(filtered, 50));
      per.f95.push(percentile(filtered, 95));
      per.h50.push(h50);
      per.ratio.push(q50 / h50);
      console.log(
        `  ${backend} ${size} round ${r + 1}: query p50 ${q50.toFixed(2)} ms p95 ${percentile(plain, 95).toFixed(2)} ms, filtered p50 ${percentile(filtered, 50).toFixed(2)} ms, healthz p50 ${h50.toFixed(2)} ms (load ${loadAverage()})`,
      );
    }
    rows.push({
      backend,
      engine: created.engine,
      vectors: size,
      loadS,
      queryP50: median(per.q50),
      queryP95: median(per.q95),
      filteredP50: median(per.f50),
      filteredP95: median(per.f95),
      healthzP50: median(per.h50),
      ratio: median(per.ratio),
    });
    await request(target, 'DELETE', `/v1/vector/indexes/${index}`);
  }
  return rows;
}

/** A fresh database on the PostgreSQL server of `adminUrl`, dropped by `drop()`. */
async function freshPostgres(root: string, adminUrl: string) {
  const pg = createRequire(join(root, 'platform/package.json'))('pg') as typeof import('pg');
  const name = `aerostack_bench_vector_${Date.now()}`;
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

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const o = parseOptions(
    args.filter(
      (a, i) =>
        !['--sizes', '--queries'].includes(a) && !['--sizes', '--queries'].includes(args[i - 1] ?? ''),
    ),
  );
  const sizes = (flag(args, '--sizes') ?? '10000').split(',').map(Number);
  const queries = Number(flag(args, '--queries') ?? 30);
  const rounds = Math.max(3, args.includes('--rounds') || process.env.BENCH_ROUNDS ? o.rounds : 3);
  console.log(
    `bench:vector ${o.root}; platform: ${o.platformCmd}; sizes ${sizes.join(', ')} × dimension ${DIMENSION}; ${rounds} rounds × ${queries} queries (+ ${queries} filtered, + ${queries} /healthz)`,
  );
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
    const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-vector-'));
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
      rows.push(...(await measure(backend.name, target, sizes, rounds, queries)));
    } finally {
      await target.stop();
      await backend.drop?.();
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    '\n| backend | engine | vectors | load (s) | query p50 (ms) | query p95 (ms) | filtered p50 (ms) | filtered p95 (ms) | /healthz p50 (ms) | query p50 ÷ healthz p50 |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const exact = r.engine === 'pgvector' ? 'pgvector HNSW (approximate)' : `${r.engine} (exact)`;
    console.log(
      `| ${r.backend} | ${exact} | ${r.vectors} | ${r.loadS.toFixed(1)} | ${r.queryP50.toFixed(2)} | ${r.queryP95.toFixed(2)} | ${r.filteredP50.toFixed(2)} | ${r.filteredP95.toFixed(2)} | ${r.healthzP50.toFixed(2)} | ${r.ratio.toFixed(1)} |`,
    );
  }
}

await main();
