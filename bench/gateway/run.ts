// The MCP gateway's overhead, never in CI: an echo tool called directly on a real upstream (the
// test suite's SDK server, its own process) and through `/ws/{slug}` of the platform, with wrk at
// concurrency 1 and 32 — added p50/p99, the platform's CPU µs per call (/proc: user + system time
// of the platform's process tree, which is the one node process, over the run ÷ calls; wrk and
// the upstream are processes of their own), the added CPU (that, plus what the upstream spends
// more per call behind the gateway than called directly) and the throughput ratio, medians of
// rounds that run both back to back; then tools/list over 10 upstreams of which one never
// answers, against the list deadline + 20 ms. Where the CPU goes: gateway/profile.ts.
//
//   pnpm --filter @aerostack/platform build && pnpm --filter @aerostack/bench exec tsx gateway/run.ts \
//     [--rounds 5] [--duration 5] [--concurrency 1,32] [--out bench/results/gateway-<date>]
//
// On 2 cores wrk gets core 0 to itself and the platform shares core 1 with the upstream: the load
// generator then never steals from what is measured, and the direct run's upstream has the same
// core the gateway run gives both — so the throughput ratio is the share of a core the gateway's
// own work takes. Other environment (DATABASE_URL, REDIS_URL, AEROSTACK_WORKERS) passes through.
//
// BENCH_GATEWAY_LAYOUT=apart puts the upstream on wrk's core instead, so the platform has core 1 to
// itself: its CPU per call then excludes what sharing a core with the upstream costs it (caches,
// wake-ups), the layout of a gateway in front of remote servers. Both layouts are worth a run.
//
// Every round also measures the floor: bench/gateway/floor-proxy.ts, the least a Node HTTP proxy
// does for a call (no auth, limits, routing, checks, analytics or logs), pinned like the platform.
// Its CPU per call is what Node's HTTP costs on this machine; the gateway's minus it is what the
// gateway's own work adds.
//
// BENCH_BASELINE_CMD (e.g. `node platform/node_modules/.bench-base/main.js`, a copy of an earlier
// platform/dist) measures a second build in the same rounds, its rows marked "before": a
// before/after under the same load, which on a shared machine is the comparison that holds.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startUpstream, type Upstream } from '../../platform/test/support/mcp-upstreams.js';
import { parseOptions } from '../lib/options.js';
import { loadAverage, treeCpuS } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform, type Target } from '../lib/target.js';
import { requireWrk } from '../lib/wrk.js';
import { post, rpcResult, upstreamSession, wrkRpc } from './rpc.js';

const LIST_DEADLINE_MS = 1_000;
const LIST_TARGET_SLACK_MS = 20;
const LIST_ROUNDS = 10;
/**
 * Cold lists, each on a workspace of its own (so each connects to all 10 servers): one sample was
 * too noisy to read (the same build gave +3.6, +4.9, +21.1 and +81.9 ms on one day).
 */
const LIST_COLD_ROUNDS = 5;
const [LOADGEN_CPU, SERVER_CPU] = cpus().length >= 2 ? ['0', '1'] : ['0', '0'];
const APART = process.env.BENCH_GATEWAY_LAYOUT === 'apart';
const UPSTREAM_CPU = APART ? LOADGEN_CPU : SERVER_CPU;
const call = (name: string) => ({ id: 1, method: 'tools/call', params: { name, arguments: { text: 'hi' } } });

const log = (line: string) => process.stderr.write(`${line}\n`);
const out: string[] = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};

/** The admin API as the account key; throws on anything but the expected status. */
function adminOf(url: string, accountKey: string) {
  return async (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${accountKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    // biome-ignore lint/suspicious/noExplicitAny: the bench reads the API's JSON loosely
    return JSON.parse(text) as any;
  };
}

/** A workspace without a practical rate limit, its servers, and a developer token for it. */
async function workspace(admin: ReturnType<typeof adminOf>, slug: string, servers: Record<string, string>) {
  const ws = await admin('POST', '/v1/workspaces', {
    name: slug,
    slug,
    limits: { requestsPerMinute: 1_000_000 },
  });
  for (const [server, url] of Object.entries(servers)) {
    await admin('POST', `/v1/workspaces/${ws.id}/servers`, { name: server, slug: server, url });
  }
  const member = await admin('POST', `/v1/workspaces/${ws.id}/members`, { name: 'bench', role: 'developer' });
  const token = await admin('POST', `/v1/workspaces/${ws.id}/tokens`, { memberId: member.id });
  return `Bearer ${token.secret}`;
}

async function expectEcho(res: Response): Promise<void> {
  const message = await rpcResult(res);
  const text = (message.result as { content?: { text: string }[] } | undefined)?.content?.[0]?.text;
  if (text !== 'hi') throw new Error(`echo answered ${JSON.stringify(message)}`);
}

interface Side {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  cpuS: number;
  upstreamCpuS: number;
}

async function run(
  url: string,
  headers: Record<string, string>,
  name: string,
  measured: number,
  upstream: Upstream,
  o: { connections: number; threads: number; durationS: number },
): Promise<Side> {
  const [cpu0, up0] = [treeCpuS(measured), treeCpuS(upstream.pid())];
  const w = await wrkRpc(url, headers, call(name), { ...o, cpus: LOADGEN_CPU });
  const failures = Object.values(w.errors).reduce((a, b) => a + b, 0);
  if (failures > 0) throw new Error(`wrk on ${url}: ${JSON.stringify(w.errors)}`);
  return {
    rps: w.requests / (w.durationUs / 1e6),
    p50Ms: w.p50Us / 1000,
    p99Ms: w.p99Us / 1000,
    requests: w.requests,
    cpuS: treeCpuS(measured) - cpu0,
    upstreamCpuS: treeCpuS(upstream.pid()) - up0,
  };
}

/**
 * The CPU µs per call a proxy adds: its own, plus what the upstream spends more per call behind it
 * than called directly in the same round (at concurrency 1 the upstream is woken from idle by
 * another core once per call, which a direct caller on its own core does not do).
 */
const added = (proxied: Side, direct: Side) =>
  ((proxied.cpuS + proxied.upstreamCpuS) / proxied.requests - direct.upstreamCpuS / direct.requests) * 1e6;

async function listTimes(
  gateway: string,
  auths: readonly string[],
): Promise<{ coldMs: number[]; warmMs: number[] }> {
  const once = async (auth: string) => {
    const started = performance.now();
    const message = await rpcResult(
      await post(
        gateway.replace('{n}', String(auths.indexOf(auth))),
        { authorization: auth },
        {
          id: 1,
          method: 'tools/list',
        },
      ),
    );
    const elapsed = performance.now() - started;
    const result = message.result as { tools: unknown[]; _meta?: Record<string, { server: string }[]> };
    const skipped = result._meta?.['aerostack/skipped']?.map((s) => s.server);
    if (result.tools.length !== 36 || skipped?.join() !== 'hung') {
      throw new Error(`tools/list: ${result.tools.length} tools, skipped ${JSON.stringify(skipped)}`);
    }
    return elapsed;
  };
  const coldMs: number[] = [];
  for (const auth of auths) coldMs.push(await once(auth));
  const warmMs: number[] = [];
  for (let i = 0; i < LIST_ROUNDS; i++) warmMs.push(await once(auths[0]!));
  return { coldMs, warmMs };
}

/** LIST_COLD_ROUNDS workspaces `list-{n}`, each over the same 10 upstreams (the last one hung). */
async function listWorkspaces(admin: ReturnType<typeof adminOf>, listed: readonly { url: string }[]) {
  const servers = Object.fromEntries(listed.map((u, i) => [i === 9 ? 'hung' : `echo-${i}`, u.url]));
  const auths: string[] = [];
  for (let n = 0; n < LIST_COLD_ROUNDS; n++) auths.push(await workspace(admin, `list-${n}`, servers));
  return auths;
}

/** The floor proxy (see the top of this file) on the platform's core, in front of `session` on `url`. */
async function startFloor(
  url: string,
  session: string,
): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const script = join(import.meta.dirname, 'floor-proxy.ts');
  const child = spawn(
    'taskset',
    ['-c', SERVER_CPU, process.execPath, '--import', tsx, script, url, session],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk;
      const match = /FLOOR_LISTENING (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`floor proxy exited (${code}) before listening`)));
  });
  // taskset execs node: the child's pid is the proxy's.
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid!, child };
}

async function main() {
  const o = parseOptions(process.argv.slice(2).filter((a) => a !== '--'));
  const wrkVersion = requireWrk();
  process.env.AEROSTACK_GATEWAY_ALLOW_HOSTS = '127.0.0.1';
  process.env.AEROSTACK_GATEWAY_LIST_DEADLINE_MS = String(LIST_DEADLINE_MS);
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-gateway-'));
  const echo = await startUpstream('echo', { cpus: UPSTREAM_CPU });
  const listed = await Promise.all([
    ...Array.from({ length: 9 }, () => startUpstream('echo')),
    startUpstream('slow', { listDelayMs: -1 }),
  ]);
  let platform: Target | undefined;
  let baseline: Target | undefined;
  let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
  try {
    platform = await startPlatform(o.root, `taskset -c ${SERVER_CPU} ${o.platformCmd}`, dir, o.logLevel);
    const keys = JSON.parse(readFileSync(join(dir, 'platform-data/keys.json'), 'utf8')) as {
      accountKey: string;
    };
    const admin = adminOf(platform.url, keys.accountKey);
    const auth = await workspace(admin, 'bench', { echo: echo.url });
    const listAuths = await listWorkspaces(admin, listed);
    // The same bench against another build in the same rounds (before/after under equal load).
    const baselineCmd = process.env.BENCH_BASELINE_CMD;
    let baseAuth = '';
    let baseListAuths: string[] = [];
    if (baselineCmd) {
      baseline = await startPlatform(
        o.root,
        `taskset -c ${SERVER_CPU} ${baselineCmd}`,
        dir,
        o.logLevel,
        'versus',
      );
      const baseKeys = JSON.parse(readFileSync(join(dir, 'versus-data/keys.json'), 'utf8')) as {
        accountKey: string;
      };
      const baseAdmin = adminOf(baseline.url, baseKeys.accountKey);
      baseAuth = await workspace(baseAdmin, 'bench', { echo: echo.url });
      baseListAuths = await listWorkspaces(baseAdmin, listed);
      await expectEcho(
        await post(`${baseline.url}/ws/bench`, { authorization: baseAuth }, call('echo__echo')),
      );
    }
    const gateway = `${platform.url}/ws/bench`;
    const session = { 'mcp-session-id': await upstreamSession(echo.url) };
    await expectEcho(await post(echo.url, session, call('echo')));
    await expectEcho(await post(gateway, { authorization: auth }, call('echo__echo')));
    floor = await startFloor(echo.url, session['mcp-session-id']);
    await expectEcho(await post(floor.url, {}, call('echo__echo')));

    const git = (...args: string[]) => execFileSync('git', args, { cwd: o.root, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'platform/src')
      ? ' + uncommitted platform/src changes'
      : '';
    const commit = `${git('rev-parse', '--short', 'HEAD')}${dirty}`;
    print(`# Gateway bench, ${new Date().toISOString().slice(0, 16)}Z, ${commit}`);
    print();
    print(
      `platform: \`${o.platformCmd}\` (LOG_LEVEL=${o.logLevel}), Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
    );
    print(
      APART
        ? `wrk ${wrkVersion} (${o.threads} thread) and the echo upstream on CPU ${LOADGEN_CPU}; platform (and the floor proxy) on CPU ${SERVER_CPU} (BENCH_GATEWAY_LAYOUT=apart)`
        : `wrk ${wrkVersion} (${o.threads} thread) on CPU ${LOADGEN_CPU}; platform (and the floor proxy) and echo upstream on CPU ${SERVER_CPU}`,
    );
    print(
      `${o.rounds} rounds × ${o.durationS} s per side and concurrency, direct and gateway back to back (alternating who goes first); medians`,
    );
    if (baselineCmd)
      print(
        `baseline (rows "before"): \`${baselineCmd}\`, measured in the same rounds (after the direct and gateway sides in even rounds, before them in odd ones)`,
      );
    print();

    const settings = (c: number) => ({ connections: c, threads: o.threads, durationS: o.durationS });
    for (const c of o.concurrency) {
      await run(echo.url, session, 'echo', echo.pid(), echo, { ...settings(c), durationS: o.warmupS });
      await run(gateway, { authorization: auth }, 'echo__echo', platform.pid, echo, {
        ...settings(c),
        durationS: o.warmupS,
      });
      await run(floor.url, {}, 'echo__echo', floor.pid, echo, { ...settings(c), durationS: o.warmupS });
      if (baseline)
        await run(`${baseline.url}/ws/bench`, { authorization: baseAuth }, 'echo__echo', baseline.pid, echo, {
          ...settings(c),
          durationS: o.warmupS,
        });
    }
    print(
      '| concurrency | direct req/s | gateway req/s | gateway ÷ direct | direct p50 / p99 ms | gateway p50 / p99 ms | added p50 / p99 ms | platform CPU µs/call | upstream CPU µs/call (direct, gateway) | added CPU µs/call |',
    );
    print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const floors = new Map<number, { floor: Side; gw: Side; direct: Side }[]>();
    for (const c of o.concurrency) {
      const rounds: { direct: Side; gw: Side }[] = [];
      const before: { direct: Side; gw: Side }[] = [];
      for (let r = 0; r < o.rounds; r++) {
        // The baseline goes after the pair in even rounds and before it in odd ones.
        let beforeSide: Side | undefined;
        const runBaseline = async () => {
          if (!baseline) return;
          beforeSide = await run(
            `${baseline.url}/ws/bench`,
            { authorization: baseAuth },
            'echo__echo',
            baseline.pid,
            echo,
            settings(c),
          );
          log(
            `  c${c} round ${r + 1}: before ${beforeSide.rps.toFixed(0)} req/s p50 ${beforeSide.p50Ms.toFixed(3)} ms`,
          );
        };
        if (r % 2 === 1) await runBaseline();
        const direct = () => run(echo.url, session, 'echo', echo.pid(), echo, settings(c));
        const viaGateway = () =>
          run(gateway, { authorization: auth }, 'echo__echo', platform!.pid, echo, settings(c));
        const [first, second] =
          r % 2 === 0 ? [await direct(), await viaGateway()] : [await viaGateway(), await direct()];
        const pair = r % 2 === 0 ? { direct: first, gw: second } : { direct: second, gw: first };
        rounds.push(pair);
        if (r % 2 === 0) await runBaseline();
        if (beforeSide) before.push({ direct: pair.direct, gw: beforeSide });
        const floorSide = await run(floor.url, {}, 'echo__echo', floor.pid, echo, settings(c));
        floors.set(c, [...(floors.get(c) ?? []), { floor: floorSide, gw: pair.gw, direct: pair.direct }]);
        log(
          `  c${c} round ${r + 1}: direct ${pair.direct.rps.toFixed(0)} req/s p50 ${pair.direct.p50Ms.toFixed(3)} ms; gateway ${pair.gw.rps.toFixed(0)} req/s p50 ${pair.gw.p50Ms.toFixed(3)} ms (load ${loadAverage()})`,
        );
      }
      const row = (label: string, set: { direct: Side; gw: Side }[]) => {
        const m = (f: (x: { direct: Side; gw: Side }) => number) => median(set.map(f));
        const f = (n: number, d = 3) => n.toFixed(d);
        print(
          `| ${c}${label} | ${f(
            m((x) => x.direct.rps),
            0,
          )} | ${f(
            m((x) => x.gw.rps),
            0,
          )} | ${f(m((x) => x.gw.rps / x.direct.rps))}× ` +
            `| ${f(m((x) => x.direct.p50Ms))} / ${f(m((x) => x.direct.p99Ms))} | ${f(m((x) => x.gw.p50Ms))} / ${f(m((x) => x.gw.p99Ms))} ` +
            `| ${f(m((x) => x.gw.p50Ms - x.direct.p50Ms))} / ${f(m((x) => x.gw.p99Ms - x.direct.p99Ms))} ` +
            `| ${f(
              m((x) => (x.gw.cpuS / x.gw.requests) * 1e6),
              0,
            )} ` +
            `| ${f(
              m((x) => (x.direct.upstreamCpuS / x.direct.requests) * 1e6),
              0,
            )}, ${f(
              m((x) => (x.gw.upstreamCpuS / x.gw.requests) * 1e6),
              0,
            )} ` +
            `| ${f(
              m((x) => added(x.gw, x.direct)),
              0,
            )} |`,
        );
      };
      row('', rounds);
      if (baseline) row(' before', before);
    }

    print();
    print(
      'The floor (a bare Node proxy, same rounds, same core as the platform) and what the gateway adds above it, on its own core and with what the upstream spends more behind each proxy ("added", as above):',
    );
    print();
    print(
      "| concurrency | floor req/s | floor p50 ms | floor CPU µs/call | gateway CPU µs/call | gateway above the floor, µs/call | floor added CPU µs/call | gateway added CPU µs/call | gateway added above the floor's, µs/call |",
    );
    print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of o.concurrency) {
      const set = floors.get(c) ?? [];
      const m = (f: (x: { floor: Side; gw: Side; direct: Side }) => number) => median(set.map(f)).toFixed(0);
      const perCall = (s: Side) => (s.cpuS / s.requests) * 1e6;
      print(
        `| ${c} | ${m((x) => x.floor.rps)} | ${median(set.map((x) => x.floor.p50Ms)).toFixed(3)} | ${m((x) => perCall(x.floor))} | ${m((x) => perCall(x.gw))} | ${m((x) => perCall(x.gw) - perCall(x.floor))} ` +
          `| ${m((x) => added(x.floor, x.direct))} | ${m((x) => added(x.gw, x.direct))} | ${m((x) => added(x.gw, x.direct) - added(x.floor, x.direct))} |`,
      );
    }

    const times = await listTimes(`${platform.url}/ws/list-{n}`, listAuths);
    const baseTimes = baseline ? await listTimes(`${baseline.url}/ws/list-{n}`, baseListAuths) : null;
    const over = (ms: number) => ms - LIST_DEADLINE_MS;
    print();
    print(
      `tools/list over 10 upstreams, one of which never answers (deadline ${LIST_DEADLINE_MS} ms, target ≤ deadline + ${LIST_TARGET_SLACK_MS} ms):`,
    );
    print();
    print('| call | ms | over the deadline, ms |');
    print('| --- | ---: | ---: |');
    print(
      `| cold (first: connects to all 10), median of ${LIST_COLD_ROUNDS} workspaces | ${median(times.coldMs).toFixed(1)} | ${over(median(times.coldMs)).toFixed(1)} |`,
    );
    print(
      `| cold, max of ${LIST_COLD_ROUNDS} | ${Math.max(...times.coldMs).toFixed(1)} | ${over(Math.max(...times.coldMs)).toFixed(1)} |`,
    );
    print(
      `| warm, median of ${LIST_ROUNDS} | ${median(times.warmMs).toFixed(1)} | ${over(median(times.warmMs)).toFixed(1)} |`,
    );
    print(
      `| warm, max of ${LIST_ROUNDS} | ${Math.max(...times.warmMs).toFixed(1)} | ${over(Math.max(...times.warmMs)).toFixed(1)} |`,
    );
    if (baseTimes) {
      print(
        `| before: cold, median of ${LIST_COLD_ROUNDS} | ${median(baseTimes.coldMs).toFixed(1)} | ${over(median(baseTimes.coldMs)).toFixed(1)} |`,
      );
      print(
        `| before: warm, median of ${LIST_ROUNDS} | ${median(baseTimes.warmMs).toFixed(1)} | ${over(median(baseTimes.warmMs)).toFixed(1)} |`,
      );
      print(
        `| before: warm, max of ${LIST_ROUNDS} | ${Math.max(...baseTimes.warmMs).toFixed(1)} | ${over(Math.max(...baseTimes.warmMs)).toFixed(1)} |`,
      );
    }
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(`${o.out}.md`, `${out.join('\n')}\n`);
      log(`wrote ${o.out}.md`);
    }
  } finally {
    await platform?.stop();
    await baseline?.stop();
    floor?.child.kill();
    await Promise.all([echo, ...listed].map((u) => u.stop()));
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
