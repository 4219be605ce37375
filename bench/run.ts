// `pnpm bench`: the platform, started as users start it, against a bare node:http + better-sqlite3
// server doing the same SQLite work (bench/baseline/server.ts), both driven by wrk from outside
// the process. Prints req/s, p50/p99 and platform ÷ baseline per endpoint and concurrency
// (medians of rounds), and the idle RSS of each process tree. `--help` lists the knobs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseOptions } from './lib/options.js';
import { loadAverage, type ProcSample, sampleTree, treeCpuS } from './lib/procs.js';
import { renderCompare, renderRun } from './lib/report.js';
import {
  type CaseResult,
  median,
  type ProcessResult,
  type Round,
  type RunResult,
  summarize,
  type TargetInfo,
} from './lib/result.js';
import { startBaseline, startPlatform, type Target } from './lib/target.js';
import { type Endpoint, requireWrk, wrk } from './lib/wrk.js';

const VALUE = '{"n":1,"s":"hello"}';
const ENDPOINTS: Endpoint[] = [
  { name: 'healthz', method: 'GET', path: '/healthz', authorized: false },
  { name: 'cache.get', method: 'GET', path: '/v1/cache/bench-get', authorized: true },
  {
    name: 'cache.set',
    method: 'PUT',
    path: '/v1/cache/bench-set-',
    body: `{"value":${VALUE}}`,
    authorized: true,
    rotate: 100,
  },
];
const PASSED_ENV = ['AEROSTACK_WORKERS', 'DATABASE_URL', 'REDIS_URL', 'NODE_OPTIONS'];

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Seeds the entry cache.get reads and checks both targets answer the cases alike. */
async function seed(t: Target): Promise<string> {
  const headers = { authorization: t.auth, 'content-type': 'application/json' };
  const put = await fetch(`${t.url}/v1/cache/bench-get`, {
    method: 'PUT',
    headers,
    body: `{"value":${VALUE}}`,
  });
  const got = await fetch(`${t.url}/v1/cache/bench-get`, { headers });
  if (!put.ok || !got.ok) throw new Error(`${t.name}: seeding failed (${put.status}, ${got.status})`);
  return got.text();
}

async function measure(t: Target, e: Endpoint, connections: number, durationS: number, threads: number) {
  const cpuBefore = treeCpuS(t.pid);
  const w = await wrk(t.url, t.auth, e, { connections, durationS, threads });
  const cpu = treeCpuS(t.pid) - cpuBefore;
  const round: Round = {
    rps: w.requests / (w.durationUs / 1e6),
    p50Ms: w.p50Us / 1000,
    p99Ms: w.p99Us / 1000,
    cpuUsPerReq: w.requests ? (cpu * 1e6) / w.requests : 0,
    errors: w.errors,
  };
  return round;
}

function commitOf(root: string): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (+ uncommitted changes)' : '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty}`;
  } catch {
    return 'unknown';
  }
}

/** Both samples of a tree merged by pid, so a process that came or went still shows. */
function targetInfo(t: Target, command: string, idle: ProcSample[], after: ProcSample[]): TargetInfo {
  const pids = [...new Set([...idle, ...after].map((p) => p.pid))];
  const processes: ProcessResult[] = pids.map((pid) => {
    const i = idle.find((p) => p.pid === pid);
    const a = after.find((p) => p.pid === pid);
    const p = (a ?? i)!;
    return {
      pid,
      depth: p.depth,
      name: p.name,
      idleRssMb: i?.rssMb ?? 0,
      afterLoadRssMb: a?.rssMb ?? 0,
      cpuS: p.cpuS,
    };
  });
  return {
    command,
    startupMs: t.startupMs,
    processes,
    idleRssTotalMb: processes.reduce((s, p) => s + p.idleRssMb, 0),
    afterLoadRssTotalMb: processes.reduce((s, p) => s + p.afterLoadRssMb, 0),
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parseOptions(argv[0] === '--' ? argv.slice(1) : argv);
  const wrkVersion = requireWrk();
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-'));
  const loadAvg = [loadAverage()];
  const commit = commitOf(o.root);
  log(`bench: ${o.root} at ${commit}; platform: ${o.platformCmd} (${o.platformCmdSource})`);

  const targets: Target[] = [];
  const stopAll = () => Promise.all(targets.map((t) => t.stop()));
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const platform = await startPlatform(o.root, o.platformCmd, dir, o.logLevel);
    targets.push(platform);
    const baseline = await startBaseline(o.root, dir);
    targets.push(baseline);
    const versus = o.versus
      ? await startPlatform(o.versus.root, o.versus.cmd, dir, o.logLevel, 'versus')
      : undefined;
    if (versus) {
      targets.push(versus);
      log(`versus: ${o.versus!.root} at ${commitOf(o.versus!.root)}; platform: ${o.versus!.cmd}`);
    }
    const bodies = await Promise.all(targets.map(async (t) => [t.name, await seed(t)] as const));
    const canonical = new Set(bodies.map(([, body]) => JSON.stringify(JSON.parse(body))));
    if (canonical.size > 1) throw new Error(`cache.get answers differ: ${JSON.stringify(bodies)}`);

    const cases = ENDPOINTS.flatMap((e) => o.concurrency.map((c) => ({ e, c })));
    log(`warm-up: ${o.warmupS} s per case and target`);
    for (const { e, c } of cases) {
      for (const t of targets)
        await wrk(t.url, t.auth, e, { connections: c, durationS: o.warmupS, threads: o.threads });
    }
    await sleep(o.idleS);
    const idle = new Map(targets.map((t) => [t.name, sampleTree(t.pid)]));

    const rounds = new Map(
      cases.map(({ e, c }) => [
        `${e.name} ${c}`,
        { platform: [] as Round[], baseline: [] as Round[], versus: [] as Round[] },
      ]),
    );
    for (let r = 0; r < o.rounds; r++) {
      log(`round ${r + 1}/${o.rounds} (load average ${loadAverage()})`);
      for (const { e, c } of cases) {
        // Rotate who goes first so a drift in machine load does not favour one side.
        const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
        for (const t of order) {
          const round = await measure(t, e, c, o.durationS, o.threads);
          rounds.get(`${e.name} ${c}`)![t.name].push(round);
          log(
            `  ${t.name.padEnd(8)} ${e.name.padEnd(9)} c${String(c).padEnd(3)} ${round.rps.toFixed(0).padStart(6)} req/s  p50 ${round.p50Ms.toFixed(2)} ms  p99 ${round.p99Ms.toFixed(2)} ms`,
          );
        }
      }
      loadAvg.push(loadAverage());
    }
    await sleep(o.idleS);
    const after = new Map(targets.map((t) => [t.name, sampleTree(t.pid)]));
    const results: CaseResult[] = cases.map(({ e, c }) => {
      const { platform: p, baseline: b, versus: v } = rounds.get(`${e.name} ${c}`)!;
      const ratios = (other: Round[]) => {
        const ratio = (f: (r: Round) => number) => median(p.map((round, i) => f(round) / f(other[i]!)));
        return { rps: ratio((r) => r.rps), p50: ratio((r) => r.p50Ms), p99: ratio((r) => r.p99Ms) };
      };
      return {
        endpoint: e.name,
        concurrency: c,
        platform: summarize(p),
        baseline: summarize(b),
        ratio: ratios(b),
        ...(versus ? { versus: summarize(v), versusRatio: ratios(v) } : {}),
      };
    });
    const result: RunResult = {
      label: o.label ?? commit,
      date: new Date().toISOString(),
      root: o.root,
      commit,
      platformCmdSource: o.platformCmdSource,
      platformEnv: Object.fromEntries(
        PASSED_ENV.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]),
      ),
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        wrk: wrkVersion,
        loadAvg,
      },
      settings: {
        rounds: o.rounds,
        durationS: o.durationS,
        warmupS: o.warmupS,
        idleS: o.idleS,
        threads: o.threads,
        logLevel: o.logLevel,
      },
      cases: results,
      platform: {
        ...targetInfo(platform, o.platformCmd, idle.get('platform')!, after.get('platform')!),
        logMb: platform.logBytes() / 1024 / 1024,
      },
      baseline: targetInfo(
        baseline,
        'node baseline-server.mjs',
        idle.get('baseline')!,
        after.get('baseline')!,
      ),
      ...(versus && o.versus
        ? {
            versus: {
              ...targetInfo(versus, o.versus.cmd, idle.get('versus')!, after.get('versus')!),
              root: o.versus.root,
              commit: commitOf(o.versus.root),
            },
          }
        : {}),
    };

    let report = renderRun(result);
    if (o.compare) {
      const before = JSON.parse(readFileSync(o.compare, 'utf8')) as RunResult;
      report += `\n${renderCompare(before, result)}`;
    }
    console.log(`\n${report}`);
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(`${o.out}.json`, `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(`${o.out}.md`, `# HTTP bench: ${result.label}\n\n${report}`);
      log(`wrote ${o.out}.json and ${o.out}.md`);
    }
  } finally {
    await stopAll();
    if (o.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
