// Where a gateway tools/call's platform CPU goes, never in CI: the bench's echo upstream and a
// platform (both pinned to CPU 1, wrk on CPU 0, as in run.ts), an echo__echo load at one
// concurrency, and the platform's CPU µs per call from /proc (per thread, user and system), with
//   --cpu-prof  the platform under `node --cpu-prof`: self time per function and per category, in
//               µs per call, of the measured run only (wall-clock samples of the main thread: on a
//               loaded machine a system call is charged the time the thread waited to run again)
//   --strace    strace attached for the measured run: system calls per call
// or, with --cmd given more than once, those builds in alternating rounds: the median CPU µs per
// call of each (a before/after under the same load).
//
//   pnpm --filter @aerostack/bench exec tsx gateway/profile.ts --cmd 'node platform/dist/main.js' \
//     [--cmd 'node <another build>/main.js' --rounds 5] [--seconds 10] [--concurrency 1] \
//     [--cpu-prof [--top 40] [--save file.cpuprofile]] [--strace]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startUpstream } from '../../platform/test/support/mcp-upstreams.js';
import { loadAverage, treeCpuS } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform } from '../lib/target.js';
import { post, rpcResult, wrkRpc } from './rpc.js';

const [LOADGEN_CPU, SERVER_CPU] = cpus().length >= 2 ? ['0', '1'] : ['0', '0'];
const root = join(import.meta.dirname, '../..');
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    cmd: { type: 'string', multiple: true, default: ['node --max-semi-space-size=4 platform/dist/main.js'] },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    strace: { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    /** Where to keep the .cpuprofile (with the measured window and calls), for a closer look. */
    save: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    /** The echo upstream's CPU: the platform's (default) or another, e.g. the load generator's. */
    'upstream-cpu': { type: 'string' },
  },
});
const call = { id: 1, method: 'tools/call', params: { name: 'echo__echo', arguments: { text: 'hi' } } };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the stack a function belongs to, by its source. */
function category(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  if (url.includes('/zod/')) return 'zod';
  if (url.includes('@modelcontextprotocol/sdk/')) return 'mcp sdk';
  if (url.includes('/pino') || url.includes('sonic-boom')) return 'logger (pino)';
  if (url.includes('better-sqlite3') || url.includes('/kysely/')) return 'db (kysely/sqlite)';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0] as string;
  if (url.includes('/platform/') || url.includes('.gw-')) return 'platform';
  return url.split('/node_modules/').at(-1)?.split('/')[0] ?? url;
}

/** CPU seconds per thread (by name; the main thread apart from V8's and libuv's, which Node names
 * alike) of process `pid`: user and system. */
function threadCpu(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      const name = task === String(pid) ? `${comm} (main)` : comm;
      const text = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const [u, s] = out.get(name) ?? [0, 0];
      out.set(name, [u + Number(f[11]) / 100, s + Number(f[12]) / 100]);
    } catch {}
  }
  return out;
}

/** µs on the monotonic clock V8's profiler stamps its samples with (as process.hrtime). */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Self time per profile node of the samples within [fromUs, toUs] (the measured run only). */
function analyse(profile: Profile, calls: number, top: number, fromUs: number, toUs: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
  const idleUs = idle.reduce((s, [, t]) => s + t, 0);
  const busy = total - idleUs;
  const fn = new Map<string, number>();
  const cat = new Map<string, number>();
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url
      .split('/node_modules/')
      .at(-1)
      ?.replace(/^.*\/platform\//, '')}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + t);
    const c = category(node);
    cat.set(c, (cat.get(c) ?? 0) + t);
  }
  const perCall = (us: number) => (us / calls).toFixed(1).padStart(7);
  console.log(
    `\nmain thread busy ${(busy / 1e6).toFixed(2)} s (${perCall(busy)} µs/call), idle ${(idleUs / 1e6).toFixed(2)} s`,
  );
  console.log('\nby category (self time, µs per call, share of busy):');
  for (const [c, t] of [...cat].sort((a, b) => b[1] - a[1]))
    console.log(`${perCall(t)}  ${((100 * t) / busy).toFixed(1).padStart(5)} %  ${c}`);
  console.log(`\ntop ${top} functions (self time):`);
  for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${perCall(t)}  ${((100 * t) / busy).toFixed(1).padStart(5)} %  ${k}`);
}

/** A platform started with `cmd` (pinned), a workspace with the echo upstream, and a token for it. */
async function setup(cmd: string, dir: string, echoUrl: string) {
  const platform = await startPlatform(root, `taskset -c ${SERVER_CPU} ${cmd}`, dir, values['log-level']!);
  try {
    const keys = JSON.parse(readFileSync(join(dir, 'platform-data/keys.json'), 'utf8')) as {
      accountKey: string;
    };
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(platform.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; secret: string };
    };
    const ws = await admin('/v1/workspaces', {
      name: 'bench',
      slug: 'bench',
      limits: { requestsPerMinute: 1_000_000 },
    });
    await admin(`/v1/workspaces/${ws.id}/servers`, { name: 'echo', slug: 'echo', url: echoUrl });
    const member = await admin(`/v1/workspaces/${ws.id}/members`, { name: 'bench', role: 'developer' });
    const token = await admin(`/v1/workspaces/${ws.id}/tokens`, { memberId: member.id });
    const auth = { authorization: `Bearer ${token.secret}` };
    const url = `${platform.url}/ws/bench`;
    const answer = await rpcResult(await post(url, auth, call));
    if (
      JSON.stringify(answer) !== '{"result":{"content":[{"type":"text","text":"hi"}]},"jsonrpc":"2.0","id":1}'
    )
      throw new Error(`${cmd}: echo answered ${JSON.stringify(answer)}`);
    return { platform, url, auth };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** Several builds in alternating rounds (`--cmd` given more than once): median CPU µs per call of each. */
async function compare(cmds: string[], echoUrl: string) {
  const c = Number(values.concurrency);
  const o = { connections: c, threads: 1, cpus: LOADGEN_CPU };
  const targets: Awaited<ReturnType<typeof setup>>[] = [];
  const dirs = cmds.map(() => mkdtempSync(join(tmpdir(), 'aerostack-gw-ab-')));
  try {
    for (const [i, cmd] of cmds.entries()) targets.push(await setup(cmd, dirs[i]!, echoUrl));
    for (const t of targets) await wrkRpc(t.url, t.auth, call, { ...o, durationS: 1 });
    const perCall: number[][] = cmds.map(() => []);
    const p50: number[][] = cmds.map(() => []);
    for (let r = 0; r < Number(values.rounds); r++) {
      const order = r % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
      for (const i of order) {
        const t = targets[i]!;
        const cpu0 = treeCpuS(t.platform.pid);
        const w = await wrkRpc(t.url, t.auth, call, { ...o, durationS: Number(values.seconds) });
        perCall[i]!.push(((treeCpuS(t.platform.pid) - cpu0) / w.requests) * 1e6);
        p50[i]!.push(w.p50Us / 1000);
      }
      process.stderr.write(
        `round ${r + 1}: ${perCall.map((x) => x.at(-1)!.toFixed(0)).join(' / ')} µs/call (load ${loadAverage()})\n`,
      );
    }
    console.log(`c${c}, ${values.rounds} rounds × ${values.seconds} s, medians (load ${loadAverage()}):`);
    for (const [i, cmd] of cmds.entries())
      console.log(
        `${median(perCall[i]!).toFixed(0).padStart(6)} µs/call  p50 ${median(p50[i]!).toFixed(3)} ms  ${cmd}`,
      );
  } finally {
    await Promise.all(targets.map((t) => t.platform.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

async function main() {
  process.env.AEROSTACK_GATEWAY_ALLOW_HOSTS = '127.0.0.1';
  const cmds = values.cmd!;
  if (cmds.length > 1) {
    const echo = await startUpstream('echo', { cpus: values['upstream-cpu'] ?? SERVER_CPU });
    try {
      await compare(cmds, echo.url);
    } finally {
      await echo.stop();
    }
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-gw-profile-'));
  const profDir = join(dir, 'prof');
  const straceFile = join(dir, 'strace.txt');
  let cmd = cmds[0] ?? 'node --max-semi-space-size=4 platform/dist/main.js';
  if (values['cpu-prof']) cmd = cmd.replace(/^node /, `node --cpu-prof --cpu-prof-dir=${profDir} `);
  const echo = await startUpstream('echo', { cpus: values['upstream-cpu'] ?? SERVER_CPU });
  let calls = 0;
  let window = [0, 0];
  let platform: Awaited<ReturnType<typeof setup>>['platform'] | undefined;
  try {
    const target = await setup(cmd, dir, echo.url);
    platform = target.platform;
    const { url, auth } = target;
    const c = Number(values.concurrency);
    const o = { connections: c, threads: 1, cpus: LOADGEN_CPU };
    await wrkRpc(url, auth, call, { ...o, durationS: 2 });
    // strace attaches to the running platform (every thread) for the measured run only.
    const tracer = values.strace
      ? spawn('strace', ['-f', '-c', '-o', straceFile, '-p', String(platform.pid)], { stdio: 'ignore' })
      : undefined;
    if (tracer) await new Promise((r) => setTimeout(r, 1_000));
    const cpu0 = treeCpuS(platform.pid);
    const threads0 = threadCpu(platform.pid);
    const from = nowUs();
    const w = await wrkRpc(url, auth, call, { ...o, durationS: Number(values.seconds) });
    window = [from, nowUs()];
    const cpuS = treeCpuS(platform.pid) - cpu0;
    const threads1 = threadCpu(platform.pid);
    if (tracer) {
      const done = new Promise((r) => tracer.once('exit', r));
      tracer.kill('SIGINT');
      await done;
    }
    calls = w.requests;
    console.log(
      `c${c}: ${calls} calls, ${(calls / (w.durationUs / 1e6)).toFixed(0)} req/s, p50 ${(w.p50Us / 1000).toFixed(3)} ms, ` +
        `platform CPU ${((cpuS / calls) * 1e6).toFixed(0)} µs/call${values.strace ? ' (under strace)' : ''}, errors ${JSON.stringify(w.errors)}`,
    );
    const us = (s: number) => ((s / calls) * 1e6).toFixed(0).padStart(5);
    for (const [name, [u, s]] of threads1) {
      const [u0, s0] = threads0.get(name) ?? [0, 0];
      if (u - u0 + s - s0 > 0)
        console.log(`  thread ${name.padEnd(16)} user ${us(u - u0)}  system ${us(s - s0)} µs/call`);
    }
  } finally {
    await platform?.stop();
    await echo.stop();
  }
  if (values.strace) {
    console.log(`\nsystem calls per call (strace -f -c over the measured ${calls} calls):`);
    const lines = readFileSync(straceFile, 'utf8').split('\n');
    for (const line of lines) {
      const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
      if (m && Number(m[1]) > calls / 10)
        console.log(`${(Number(m[1]) / calls).toFixed(2).padStart(7)}  ${m[2]}`);
    }
  }
  if (values['cpu-prof']) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const text = readFileSync(join(profDir, file), 'utf8');
    if (values.save) writeFileSync(values.save, JSON.stringify({ ...JSON.parse(text), window, calls }));
    const profile = JSON.parse(text) as Profile;
    analyse(profile, calls, Number(values.top), window[0]!, window[1]!);
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
