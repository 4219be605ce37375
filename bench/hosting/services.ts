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
import { createRuntime } from '../../platform/src/modules/hosting/runtime/index.js';
import { median } from '../lib/result.js';
import {
  DATE,
  IDENTITY,
  limitsWith,
  Miniflare,
  REQUESTS,
  ROUNDS,
  HELLO as TARGET,
  warmP50,
} from './common.js';

const CALLER = 'export default { fetch(request, env) { return env.TARGET.fetch(request) } }';
const limits = limitsWith(1_000_000);

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
