// `pnpm --filter @aerostack/bench bench:db`: queries per second through the API (`db.query`, wrk
// at concurrency 1 and 32) against the same query on the store directly (better-sqlite3 on the
// project's database file in a process of its own), as a ratio. Medians of rounds; never in CI.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '../lib/options.js';
import { loadAverage } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { sqliteModule, startPlatform } from '../lib/target.js';
import { requireWrk, wrk } from '../lib/wrk.js';

const SQL = 'SELECT id, name, price FROM items WHERE id = ?';
const PARAMS = [42];

async function api(url: string, auth: string, path: string, body: unknown) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function direct(root: string, file: string, seconds: number): Promise<number> {
  const env = {
    ...process.env,
    BENCH_SQLITE_MODULE: sqliteModule(root),
    BENCH_DB_FILE: file,
    BENCH_SQL: SQL,
    BENCH_PARAMS: JSON.stringify(PARAMS),
    BENCH_SECONDS: String(seconds),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(import.meta.dirname, 'direct.mjs')], { env }, (error, stdout) => {
      if (error) return reject(error);
      const { queries, seconds: s } = JSON.parse(stdout) as { queries: number; seconds: number };
      resolve(queries / s);
    });
  });
}

async function main() {
  const o = parseOptions(process.argv.slice(2).filter((a) => a !== '--'));
  requireWrk();
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-db-'));
  const platform = await startPlatform(o.root, o.platformCmd, dir, o.logLevel);
  try {
    await api(platform.url, platform.auth, '/v1/db/migrations', {
      migrations: [
        {
          name: '0001_items',
          sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)',
        },
      ],
    });
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      sql: 'INSERT INTO items (id, name, price) VALUES (?, ?, ?)',
      params: [i + 1, `item ${i + 1}`, (i % 97) + 0.5],
    }));
    for (let i = 0; i < rows.length; i += 100) {
      await api(platform.url, platform.auth, '/v1/db/batch', { statements: rows.slice(i, i + 100) });
    }
    const keys = JSON.parse(readFileSync(join(dir, 'platform-data', 'keys.json'), 'utf8')) as {
      projectId: string;
    };
    const file = join(dir, 'platform-data', 'db', `${keys.projectId}.sqlite`);
    const endpoint = {
      name: 'db.query',
      method: 'POST' as const,
      path: '/v1/db/query',
      body: JSON.stringify({ sql: SQL, params: PARAMS }),
      authorized: true,
    };
    console.log(`bench:db ${o.root}; platform: ${o.platformCmd}; ${o.rounds} rounds × ${o.durationS} s`);
    for (const c of o.concurrency) {
      await wrk(platform.url, platform.auth, endpoint, {
        connections: c,
        threads: o.threads,
        durationS: o.warmupS,
      });
    }
    const ratios = new Map<number, number[]>(o.concurrency.map((c) => [c, []]));
    const apiRps = new Map<number, number[]>(o.concurrency.map((c) => [c, []]));
    const directQps: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const store = await direct(o.root, file, o.durationS);
      directQps.push(store);
      for (const c of o.concurrency) {
        const run = await wrk(platform.url, platform.auth, endpoint, {
          connections: c,
          threads: o.threads,
          durationS: o.durationS,
        });
        const failures = Object.values(run.errors).reduce((a, b) => a + b, 0);
        if (failures > 0) throw new Error(`wrk saw ${failures} errors: ${JSON.stringify(run.errors)}`);
        const rps = run.requests / (run.durationUs / 1e6);
        apiRps.get(c)!.push(rps);
        ratios.get(c)!.push(rps / store);
        console.log(
          `  round ${r + 1} c${c}: api ${rps.toFixed(0)} q/s, store ${store.toFixed(0)} q/s (load ${loadAverage()})`,
        );
      }
    }
    console.log('\n| concurrency | API q/s (median) | store q/s (median) | API ÷ store |');
    console.log('| ---: | ---: | ---: | ---: |');
    for (const c of o.concurrency) {
      console.log(
        `| ${c} | ${median(apiRps.get(c)!).toFixed(0)} | ${median(directQps).toFixed(0)} | ${median(ratios.get(c)!).toFixed(3)}× |`,
      );
    }
  } finally {
    await platform.stop();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
