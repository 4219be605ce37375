// `pnpm --filter @aerostack/bench bench:hosting`: what the hosted-code runtime (decision 0049)
// adds to workerd. A hello-world worker, measured two ways in the same rounds:
//   - through the runtime: `createRuntime().ensure()` then `fetch()` (one workerd per project, our
//     entry wrapper, the tail worker, the watchdog's per-request CPU sample);
//   - the baseline: the same worker on a bare Miniflare, `mf.dispatchFetch()`.
// A third way shows what the store bindings add (env.DB, env.CACHE, … : eight wrapped bindings,
// never called by this worker): the same runtime with a bindings handler.
// Cold start: a new project's first answer (start workerd, load, answer). Warm: one request at a
// time on a started project, p50 per round. Medians over rounds, and runtime ÷ baseline ratios.
// Never in CI; about half a minute.
//
//   pnpm --filter @aerostack/bench bench:hosting -- --rounds 5 --requests 300
import { bindingsOf } from '../../platform/src/modules/hosting/bindings/index.js';
import { createRuntime } from '../../platform/src/modules/hosting/runtime/index.js';
import { median } from '../lib/result.js';
import {
  HELLO as CODE,
  DATE,
  IDENTITY,
  limitsWith,
  Miniflare,
  type MiniflareCtor,
  REQUESTS,
  ROUNDS,
  timed,
  warmP50,
} from './common.js';

const limits = limitsWith(1000);

const runtime = createRuntime({ limits });
const withBindings = createRuntime({ limits, bindings: async () => Response.json(null) });
const rows = {
  coldRuntime: [] as number[],
  coldBare: [] as number[],
  coldBindings: [] as number[],
  warmRuntime: [] as number[],
  warmBare: [] as number[],
  warmBindings: [] as number[],
};

for (let round = 0; round < ROUNDS; round++) {
  const project = `prj_bench_${round}`;
  const source = {
    deploymentId: `dep_${round}`,
    name: 'hello',
    modules: [{ name: 'index.js', content: CODE }],
    compatibilityDate: DATE,
    compatibilityFlags: [],
    vars: {},
  };
  const fetchRuntime = () => runtime.fetch(project, 'hello', new Request('http://fn.local/'));
  rows.coldRuntime.push(
    await timed(async () => {
      await runtime.ensure(project, [source]);
      await (await fetchRuntime()).text();
    }),
  );
  rows.warmRuntime.push(await warmP50(fetchRuntime));
  await runtime.unload(project);

  const bound = { ...source, bindings: bindingsOf([], {}) };
  const fetchBound = () => withBindings.fetch(project, 'hello', new Request('http://fn.local/'));
  rows.coldBindings.push(
    await timed(async () => {
      await withBindings.ensure(project, [bound]);
      await (await fetchBound()).text();
    }),
  );
  rows.warmBindings.push(await warmP50(fetchBound));
  await withBindings.unload(project);

  let mf: InstanceType<MiniflareCtor> | undefined;
  rows.coldBare.push(
    await timed(async () => {
      mf = new Miniflare({
        name: 'hello',
        modules: [{ type: 'ESModule', path: '/index.js', contents: CODE }],
        modulesRoot: '/',
        compatibilityDate: DATE,
      });
      await (await mf.dispatchFetch('http://fn.local/', IDENTITY)).text();
    }),
  );
  const bare = mf as InstanceType<MiniflareCtor>;
  rows.warmBare.push(await warmP50(() => bare.dispatchFetch('http://fn.local/', IDENTITY)));
  await bare.dispose();
}
await runtime.close();
await withBindings.close();

const ms = (n: number) => n.toFixed(2);
const cold = [median(rows.coldRuntime), median(rows.coldBare)] as const;
const warm = [median(rows.warmRuntime), median(rows.warmBare)] as const;
const bound = [median(rows.coldBindings), median(rows.warmBindings)] as const;
console.log(
  `hosted runtime vs bare Miniflare: ${ROUNDS} rounds, ${REQUESTS} warm requests per round, medians`,
);
console.log('| case | runtime ms | bare Miniflare ms | ratio |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| cold start (new project, first answer) | ${ms(cold[0])} | ${ms(cold[1])} | ${(cold[0] / cold[1]).toFixed(2)}× |`,
);
console.log(`| warm request p50 | ${ms(warm[0])} | ${ms(warm[1])} | ${(warm[0] / warm[1]).toFixed(2)}× |`);
console.log(
  `| cold start, with the store bindings | ${ms(bound[0])} | ${ms(cold[1])} | ${(bound[0] / cold[1]).toFixed(2)}× |`,
);
console.log(
  `| warm request p50, with the store bindings | ${ms(bound[1])} | ${ms(warm[1])} | ${(bound[1] / warm[1]).toFixed(2)}× |`,
);
