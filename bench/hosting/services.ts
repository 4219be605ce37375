// `pnpm --filter @aerostack/bench bench:hosting-services`: what a call through a service binding
// (decision 0054) costs. Warm, one request at a time, p50 per round, medians over rounds:
//   - direct: a request to the target worker (`runtime.fetch`, the baseline);
//   - via a binding: a request to a caller whose fetch answers `env.TARGET.fetch(request)`: the
//     runtime's path (workerd → the platform process → workerd, a new invocation);
//   - native: the same two workers on a bare Miniflare with workerd's own service binding (no
//     invocation, log, count or watchdog of the callee), for what the platform's hop adds.
// The difference via − direct is the cost of one call. Never in CI; about half a minute.
//
//   pnpm --filter @aerostack/bench bench:hosting-services -- --rounds 5 --requests 300
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRuntime } from '../../platform/src/modules/hosting/runtime/index.js';
import { median } from '../lib/result.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '300' } },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
type Mf = {
  ready: Promise<URL>;
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
};
const { Miniflare } = createRequire(join(root, 'platform/package.json'))('miniflare') as {
  Miniflare: new (options: object) => Mf;
};

const TARGET = 'export default { fetch() { return new Response("hello") } }';
const CALLER = 'export default { fetch(request, env) { return env.TARGET.fetch(request) } }';
const DATE = '2025-06-01';
const IDENTITY = { headers: { 'accept-encoding': 'identity' } };
const limits = {
  cpuMs: 30_000,
  wallMs: 900_000,
  memoryBytes: 128 * 1024 * 1024,
  maxSubrequests: 1_000_000,
  idleMs: 600_000,
  allowHosts: [],
};

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

/** The p50 of `REQUESTS` sequential calls, after a warm-up of a tenth as many. */
async function warmP50(call: () => Promise<Response>): Promise<number> {
  const once = async () => {
    if ((await (await call()).text()) !== 'hello') throw new Error('unexpected answer');
  };
  for (let i = 0; i < REQUESTS / 10; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await timed(once));
  return median(times);
}

const source = (name: string, code: string) => ({
  deploymentId: `dep_${name}`,
  name,
  modules: [{ name: 'index.js', content: code }],
  compatibilityDate: DATE,
  compatibilityFlags: [],
  vars: {},
});
const runtime = createRuntime({ limits });
const rows = {
  direct: [] as number[],
  via: [] as number[],
  nativeDirect: [] as number[],
  native: [] as number[],
};

for (let round = 0; round < ROUNDS; round++) {
  const project = `prj_bench_${round}`;
  await runtime.ensure(project, [
    source('target', TARGET),
    { ...source('caller', CALLER), services: [{ name: 'TARGET', service: 'target' }] },
  ]);
  rows.direct.push(await warmP50(() => runtime.fetch(project, 'target', new Request('http://fn.local/'))));
  rows.via.push(await warmP50(() => runtime.fetch(project, 'caller', new Request('http://fn.local/'))));
  await runtime.unload(project);

  const worker = (name: string, code: string) => ({
    name,
    modules: [{ type: 'ESModule', path: `/${name}.js`, contents: code }],
    modulesRoot: '/',
    compatibilityDate: DATE,
  });
  const mf = new Miniflare({
    workers: [
      { ...worker('caller', CALLER), serviceBindings: { TARGET: 'target' } },
      worker('target', TARGET),
    ],
  });
  await mf.ready;
  const bare = (name: string) => () =>
    mf.dispatchFetch('http://fn.local/', { headers: { ...IDENTITY.headers, 'MF-Route-Override': name } });
  rows.nativeDirect.push(await warmP50(bare('target')));
  rows.native.push(await warmP50(bare('caller')));
  await mf.dispose();
}
await runtime.close();

const ms = (n: number) => n.toFixed(2);
const [direct, via, nativeDirect, native] = [rows.direct, rows.via, rows.nativeDirect, rows.native].map(
  median,
) as [number, number, number, number];
console.log(`service bindings: ${ROUNDS} rounds, ${REQUESTS} warm requests per round, p50 medians`);
console.log('| case | direct ms | through a binding ms | ratio | one call costs ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(`| runtime | ${ms(direct)} | ${ms(via)} | ${(via / direct).toFixed(2)}× | ${ms(via - direct)} |`);
console.log(
  `| bare Miniflare, native binding | ${ms(nativeDirect)} | ${ms(native)} | ${(native / nativeDirect).toFixed(2)}× | ${ms(native - nativeDirect)} |`,
);
