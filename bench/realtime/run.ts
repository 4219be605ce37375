// Realtime under load, never in CI: publish → deliver latency with many concurrent SSE subscribers
// on one node, and the sustained publish rate. The platform runs as its own process (started as
// `pnpm start` would: tsx platform/src/main.ts) on a fresh data directory; this process holds the
// subscribers and publishes. Its environment passes through (DATABASE_URL, REDIS_URL,
// AEROSTACK_WORKERS…), so one script measures every backend.
//
//   pnpm --filter @aerostack/bench exec tsx realtime/run.ts [--subscribers 1000] [--messages 200]
//     [--interval-ms 20] [--duration 10] [--publishers 16]
//
// Latency is measured from just before the publishing request is sent to the moment a subscriber
// parses the event, in this process: it includes the HTTP publish, the database commit, the
// wake-up, the read, the fan-out and the SSE write, and also this process's own load from reading
// every stream. Numbers depend on the machine; compare runs made side by side.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '200' },
    'interval-ms': { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    publishers: { type: 'string', default: '16' },
  },
});
const SUBSCRIBERS = Number(options.subscribers);
const MESSAGES = Number(options.messages);
const INTERVAL_MS = Number(options['interval-ms']);
const DURATION_S = Number(options.duration);
const PUBLISHERS = Number(options.publishers);

const root = join(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

async function startPlatform(): Promise<{
  url: string;
  secretKey: string;
  child: ChildProcess;
  dataDir: string;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-bench-realtime-'));
  const port = await freePort();
  const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'platform/src/main.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AEROSTACK_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the platform did not start');
    await sleep(50);
  }
  const { secretKey } = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { secretKey: string };
  return { url, secretKey, child, dataDir };
}

/** One SSE subscriber on its own connection; calls `onMessage` with each message's data. */
function subscribe(
  url: string,
  auth: string,
  channel: string,
  onMessage: (data: { t: number; n: number }) => void,
): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/realtime/events?channel=${channel}`,
      { headers: { authorization: auth }, agent: false },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`subscribe: ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        let subscribed = false;
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            if (block.includes('event: subscribed') && !subscribed) {
              subscribed = true;
              resolve(() => req.destroy());
            } else if (block.includes('event: message')) {
              const line = block.slice(block.indexOf('data: ') + 6);
              onMessage((JSON.parse(line) as { data: { t: number; n: number } }).data);
            }
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function publish(url: string, auth: string, channel: string, data: unknown): Promise<void> {
  const res = await fetch(`${url}/v1/realtime/messages`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ channel, event: 'bench', data }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`publish: ${res.status}`);
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const platform = await startPlatform();
  const auth = `Bearer ${platform.secretKey}`;
  const backend = process.env.REDIS_URL ? 'postgres+redis' : process.env.DATABASE_URL ? 'postgres' : 'sqlite';
  console.log(
    `realtime bench: ${backend}, ${process.env.AEROSTACK_WORKERS ?? 1} worker(s), ${SUBSCRIBERS} subscribers`,
  );
  try {
    // 1. Latency: MESSAGES messages, one every INTERVAL_MS, each to every subscriber.
    const latencies: number[] = [];
    const lastArrival = new Map<number, number>();
    const received = new Array<number>(MESSAGES).fill(0);
    const opened = performance.now();
    const closers: Array<() => void> = [];
    for (let i = 0; i < SUBSCRIBERS; i += 100) {
      closers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, () =>
            subscribe(platform.url, auth, 'bench/room', ({ t, n }) => {
              const now = performance.timeOrigin + performance.now();
              latencies.push(now - t);
              received[n]!++;
              lastArrival.set(n, Math.max(lastArrival.get(n) ?? 0, now - t));
            }),
          ),
        )),
      );
    }
    console.log(`opened ${SUBSCRIBERS} streams in ${ms(performance.now() - opened)}`);
    for (let n = 0; n < MESSAGES; n++) {
      await publish(platform.url, auth, 'bench/room', { t: performance.timeOrigin + performance.now(), n });
      await sleep(INTERVAL_MS);
    }
    const deadline = Date.now() + 30_000;
    while (received.some((c) => c < SUBSCRIBERS) && Date.now() < deadline) await sleep(50);
    const missing = received.reduce((sum, c) => sum + (SUBSCRIBERS - c), 0);
    latencies.sort((a, b) => a - b);
    const fanout = [...lastArrival.values()].sort((a, b) => a - b);
    console.log(
      `publish → deliver, ${latencies.length} deliveries: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `publish → last of ${SUBSCRIBERS} subscribers, per message: p50 ${ms(percentile(fanout, 50))}, p99 ${ms(percentile(fanout, 99))}`,
    );
    if (missing > 0) console.log(`MISSING deliveries: ${missing}`);

    // 2. Sustained publish rate: PUBLISHERS concurrent publishers for DURATION_S seconds, on
    // channels of their own, while the subscribers above stay connected to theirs.
    let published = 0;
    const stopAt = performance.now() + DURATION_S * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async (_, p) => {
        while (performance.now() < stopAt) {
          await publish(platform.url, auth, `bench/rate-${p}`, { n: published });
          published++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `sustained publish rate: ${(published / seconds).toFixed(0)} messages/s (${PUBLISHERS} publishers, ${seconds.toFixed(1)} s)`,
    );
    for (const close of closers) close();
  } finally {
    try {
      process.kill(-platform.child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => platform.child.once('exit', r));
    rmSync(platform.dataDir, { recursive: true, force: true });
  }
}

await main();
