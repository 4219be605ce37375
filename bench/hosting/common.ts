// What bench/hosting/run.ts and services.ts share: their options, a bare Miniflare to compare
// with, the hello-world worker, the runtime's limits and the warm p50 of sequential calls.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../lib/result.js';

const { values } = parseArgs({
  // pnpm hands a `--` separator on as an argument.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '300' } },
});
export const ROUNDS = Number(values.rounds);
export const REQUESTS = Number(values.requests);

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export type MiniflareCtor = new (
  options: object,
) => {
  ready: Promise<URL>;
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
};
/** The platform's own Miniflare (bench does not depend on it). */
export const { Miniflare } = createRequire(join(root, 'platform/package.json'))('miniflare') as {
  Miniflare: MiniflareCtor;
};

// The runtime asks workerd for identity encoding (decision 0049); the baseline does the same, so
// a ratio is the runtime's own cost, not gzip's.
export const IDENTITY = { headers: { 'accept-encoding': 'identity' } };
export const HELLO = 'export default { fetch() { return new Response("hello") } }';
export const DATE = '2025-06-01';

/** The runtime's limits, loose enough never to stop a bench (subrequests as asked). */
export const limitsWith = (maxSubrequests: number) => ({
  cpuMs: 30_000,
  wallMs: 900_000,
  memoryBytes: 128 * 1024 * 1024,
  maxSubrequests,
  idleMs: 600_000,
  allowHosts: [],
});

export async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

/** The p50 of `REQUESTS` sequential calls answering "hello", after a warm-up of a tenth as many. */
export async function warmP50(call: () => Promise<Response>): Promise<number> {
  const once = async () => {
    if ((await (await call()).text()) !== 'hello') throw new Error('unexpected answer');
  };
  for (let i = 0; i < REQUESTS / 10; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) times.push(await timed(once));
  return median(times);
}
