import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type RunningPlatform, startPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../../platform/test/support/backends';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf } from '../../core/test/support/rejection';
import { type AerostackClient, createClient, createWorker, FatalJobError, type Job } from '../src';
import { until } from './support/until';

// createWorker against the real platform over HTTP: concurrency, acks and fails, heartbeats that
// keep a long job's short lease alive, a graceful stop that finishes in-flight jobs or releases
// them; and, on SQLite and on PostgreSQL, a consumer process killed mid-job whose job another
// consumer finishes once the lease expires, the first one's late ack rejected.

let platform: RunningPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

let n = 0;
const uniqueType = (name: string) => `worker.${name}.${++n}.${Date.now()}`;

const finalState = (id: string, on: AerostackClient = client) =>
  until(async () => {
    const job = await on.queue.get(id);
    return ['succeeded', 'dead', 'cancelled'].includes(job.status) ? job : undefined;
  });

describe('createWorker', () => {
  it('runs jobs up to its concurrency and acks their results', async () => {
    const type = uniqueType('conc');
    const jobs = await Promise.all(Array.from({ length: 8 }, (_, i) => client.queue.enqueue(type, { i })));
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = createWorker<{ i: number }>({
      client,
      types: [type],
      concurrency: 3,
      pollIntervalMs: 20,
      handler: async (job) => {
        running++;
        most = Math.max(most, running);
        if (most === 3) release();
        await gate;
        running--;
        return { double: job.payload.i * 2 };
      },
    });
    const done = await Promise.all(jobs.map((j) => finalState(j.id)));
    await worker.stop();
    expect(most).toBe(3);
    expect(done.map((j) => j.status)).toEqual(Array(8).fill('succeeded'));
    expect(done.map((j) => (j.result as { double: number }).double)).toEqual(jobs.map((_, i) => i * 2));
  });

  it('fails a throwing handler’s attempt, retries it, and dead-letters a FatalJobError', async () => {
    const type = uniqueType('fail');
    const flaky = await client.queue.enqueue(type, 'flaky', { maxAttempts: 3, backoffSeconds: 0 });
    const fatal = await client.queue.enqueue(type, 'fatal', { maxAttempts: 3, backoffSeconds: 0 });
    const tries = new Map<string, number>();
    const worker = createWorker({
      client,
      types: [type],
      pollIntervalMs: 20,
      handler: async (job) => {
        const t = (tries.get(job.id) ?? 0) + 1;
        tries.set(job.id, t);
        if (job.payload === 'fatal') throw new FatalJobError('cannot ever work');
        if (t < 3) throw new Error(`try ${t} failed`);
        return 'third time';
      },
    });
    const [a, b] = await Promise.all([finalState(flaky.id), finalState(fatal.id)]);
    await worker.stop();
    expect(a).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      result: 'third time',
      error: 'try 2 failed',
    });
    expect(b).toMatchObject({ status: 'dead', attempts: 1, error: 'cannot ever work' });
  });

  it('heartbeats a job that outlives its lease', async () => {
    const type = uniqueType('long');
    const job = await client.queue.enqueue(type, null);
    const worker = createWorker({
      client,
      types: [type],
      leaseSeconds: 1,
      pollIntervalMs: 20,
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        return 'kept';
      },
    });
    const done = await finalState(job.id);
    await worker.stop();
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, result: 'kept' });
  });

  it('stops gracefully: finishes in-flight jobs, or releases them after the grace period', async () => {
    const type = uniqueType('stop');
    const quick = await client.queue.enqueue(type, 'quick');
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      started = resolve;
    });
    const finishing = createWorker({
      client,
      types: [type],
      pollIntervalMs: 20,
      handler: async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 'finished';
      },
    });
    await inHandler;
    await finishing.stop();
    expect(await client.queue.get(quick.id)).toMatchObject({ status: 'succeeded', result: 'finished' });

    const stuck = await client.queue.enqueue(type, 'stuck');
    let aborted = false;
    let startedStuck!: () => void;
    const inStuck = new Promise<void>((resolve) => {
      startedStuck = resolve;
    });
    const holding = createWorker({
      client,
      types: [type],
      leaseSeconds: 600,
      pollIntervalMs: 20,
      handler: (_job, { signal }) =>
        new Promise((resolve) => {
          startedStuck();
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('too late');
          });
        }),
    });
    await inStuck;
    await holding.stop({ graceMs: 100 });
    expect(aborted).toBe(true);
    // Released: its 600 s lease was cut short, so another worker gets it without waiting.
    const next = createWorker({ client, types: [type], pollIntervalMs: 50, handler: () => 'second worker' });
    const done = await finalState(stuck.id);
    await next.stop();
    expect(done).toMatchObject({ status: 'succeeded', result: 'second worker', attempts: 2 });
  });
});

// Consumers that share a queue, on SQLite and on PostgreSQL (whose leases are taken with
// FOR UPDATE SKIP LOCKED): a consumer process killed mid-job, whose job another consumer finishes
// once the lease expires, the first one's late ack rejected; and, as a deployment scales out, four
// workers that each pull different jobs, every job of a backlog run once and succeeded.
describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'workers sharing a queue on $name',
  (backend) => {
    let stores: Awaited<ReturnType<typeof backend.create>>;
    let shared: RunningPlatform;
    beforeAll(async () => {
      stores = await backend.create();
      shared = await startPlatform({
        dataDir: stores.dataDir,
        ...(stores.databaseUrl ? { databaseUrl: stores.databaseUrl, masterKeys: stores.masterKeys! } : {}),
        quiet: true,
        env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1' },
      });
    });
    afterAll(async () => {
      await shared?.close();
      await stores?.cleanup();
    });

    it('finishes the job of a consumer killed mid-job once its lease expires, rejecting its late ack', async () => {
      const type = uniqueType('killed');
      const c = createClient({ url: shared.url, secretKey: shared.secretKey });
      const job = await c.queue.enqueue(type, 'survive me');
      const child: ChildProcess = spawn(
        join(import.meta.dirname, '../../../node_modules/.bin/tsx'),
        [join(import.meta.dirname, 'fixtures/queue-consumer.ts')],
        {
          env: {
            ...process.env,
            AEROSTACK_URL: shared.url,
            AEROSTACK_SECRET_KEY: shared.secretKey,
            AEROSTACK_QUEUE_TYPE: type,
            AEROSTACK_QUEUE_LEASE_SECONDS: '2',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const exited = new Promise((resolve, reject) => {
        child.once('exit', resolve);
        child.once('error', reject);
      });
      const first = await new Promise<{ jobId: string; leaseId: string }>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const line = out.split('\n')[0];
          if (out.includes('\n') && line) resolve(JSON.parse(line));
        });
        child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before taking the job`)));
      });
      expect(first.jobId).toBe(job.id);
      // The consumer is the tsx CLI and the node process it runs: kill both, the one mid-job first.
      const consumer = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number);
      for (const pid of [...consumer, child.pid!]) process.kill(pid, 'SIGKILL');
      await exited;
      // Still running under the dead consumer's lease (or, once the platform's sweep ended the
      // expired lease, waiting for its retry).
      expect(['running', 'failed']).toContain((await c.queue.get(job.id)).status);

      const seen: Job[] = [];
      const second = createWorker({
        client: c,
        types: [type],
        pollIntervalMs: 50,
        handler: (j) => {
          seen.push(j);
          return 'finished by the second';
        },
      });
      const done = await finalState(job.id, c);
      await second.stop();
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: 'finished by the second' });
      expect(seen[0]!.error).toMatch(/expired/);
      const late = await rejectionOf(c.queue.ack(job.id, first.leaseId, 'first, late'));
      expect([late.status, late.code]).toEqual([409, 'queue/lease-lost']);
      expect((await c.queue.get(job.id)).result).toBe('finished by the second');
    });

    it('runs every job of a backlog exactly once with four workers of concurrency 4', async () => {
      const c = createClient({ url: shared.url, secretKey: shared.secretKey });
      const type = uniqueType('many');
      const ids = new Set<string>();
      for (let i = 0; i < 60; i++) ids.add((await c.queue.enqueue(type, { i })).id);
      const runs = new Map<string, number>();
      const errors: unknown[] = [];
      let drained!: () => void;
      const allRan = new Promise<void>((resolve) => {
        drained = resolve;
      });
      const workers = Array.from({ length: 4 }, (_, w) =>
        createWorker<{ i: number }>({
          client: c,
          types: [type],
          concurrency: 4,
          pollIntervalMs: 20,
          handler: async (job) => {
            runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
            if (runs.size === ids.size) drained();
            await new Promise((resolve) => setTimeout(resolve, 5)); // long enough for the others to pull
            return { by: w };
          },
          onError: (error) => errors.push(error),
        }),
      );
      await allRan;
      await Promise.all(workers.map((w) => w.stop()));
      expect(errors).toEqual([]);
      expect(new Set(runs.keys())).toEqual(ids);
      expect(
        [...runs.values()].every((n) => n === 1),
        'a job ran twice',
      ).toBe(true);
      const done = (await c.queue.list({ type, status: 'succeeded', limit: 100 })).data;
      expect(done).toHaveLength(60);
      // The work was shared: more than one worker acked jobs.
      expect(new Set(done.map((j) => (j.result as { by: number }).by)).size).toBeGreaterThan(1);
    });
  },
);
