// `pnpm --filter @aerostack/bench bench:hosting-bindings`: what one `env.CACHE.get` costs a
// deployed worker (decision 0049: each binding call crosses from workerd to the platform's Node
// process) against the same read from outside, `GET /v1/cache/{key}` with @aerostack/node's
// client. The platform starts as `pnpm bench` starts it (bench/lib/target.ts: its own process
// tree, a fresh data dir); a worker is deployed to its project through the API.
// Per round, one at a time: `--calls` reads inside the worker (timed inside it, so the request
// that asks for them is not counted), then as many reads through the client; the mean per read.
// Medians of the rounds, and in-worker ÷ HTTP. Never in CI; well under two minutes.
//
//   pnpm --filter @aerostack/bench bench:hosting-bindings -- --rounds 7 --calls 500
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '../../packages/node/src/index.js';
import { parseOptions } from '../lib/options.js';
import { loadAverage } from '../lib/procs.js';
import { median } from '../lib/result.js';
import { startPlatform } from '../lib/target.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '500' } },
  strict: false,
});
const ROUNDS = Number(values.rounds);
const CALLS = Number(values.calls);

const TOML = `name = "bench"
main = "index.js"
compatibility_date = "2025-06-01"
`;
// Reads the key `n` times one after the other; answers the elapsed ms (workerd's clock advances on
// I/O, which each read is).
const WORKER = `export default {
  async fetch(request, env) {
    const n = Number(new URL(request.url).searchParams.get('n'));
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      if ((await env.CACHE.get('bench')) !== 'value') throw new Error('unexpected value');
    }
    return Response.json({ ms: performance.now() - started });
  },
};`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const o = parseOptions([], { ...process.env });
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-bench-bindings-'));
  const platform = await startPlatform(o.root, o.platformCmd, dir, 'error');
  try {
    const keys = JSON.parse(readFileSync(join(dir, 'platform-data', 'keys.json'), 'utf8')) as {
      accountKey: string;
      secretKey: string;
      projectId: string;
    };
    const deployed = await fetch(`${platform.url}/v1/projects/${keys.projectId}/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ aerostackToml: TOML, modules: [{ name: 'index.js', content: WORKER }] }),
    });
    if (deployed.status !== 201) throw new Error(`deploy failed: ${await deployed.text()}`);
    const client = createClient({ url: platform.url, secretKey: keys.secretKey, maxRetries: 0 });
    await client.cache.set('bench', 'value');

    const inWorker = async (n: number) => {
      const response = await fetch(`${platform.url}/fn/${keys.projectId}/bench/?n=${n}`);
      if (!response.ok) throw new Error(`the worker failed: ${await response.text()}`);
      return ((await response.json()) as { ms: number }).ms / n;
    };
    const overHttp = async (n: number) => {
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        if ((await client.cache.get('bench'))?.value !== 'value') throw new Error('unexpected value');
      }
      return (performance.now() - started) / n;
    };
    // Warm-up: workerd started, connections open, both paths compiled.
    await inWorker(CALLS / 5);
    await overHttp(CALLS / 5);
    const worker: number[] = [];
    const http: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so a drift in the machine's load favours neither.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const which of order) {
        if (which === 0) worker.push(await inWorker(CALLS));
        else http.push(await overHttp(CALLS));
      }
      log(
        `round ${round + 1}: in worker ${worker.at(-1)!.toFixed(3)} ms, over HTTP ${http.at(-1)!.toFixed(3)} ms`,
      );
    }
    const [w, h] = [median(worker), median(http)];
    console.log(
      `env.CACHE.get in a worker vs GET /v1/cache/{key} with the Node client: ${ROUNDS} rounds × ${CALLS} sequential reads, medians of the per-read means (load average ${loadAverage()})`,
    );
    console.log('| read | ms per read | ratio |');
    console.log('| --- | ---: | ---: |');
    console.log(`| \`env.CACHE.get\` inside the worker | ${w.toFixed(3)} | ${(w / h).toFixed(2)}× |`);
    console.log(`| \`client.cache.get\` over HTTP | ${h.toFixed(3)} | 1.00× |`);
  } finally {
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
