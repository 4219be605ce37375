import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real processes: a primary (the hub + forkWorkers) and two node:cluster workers talking over
// the real IPC channel (fixtures/node.ts). The fixture scripts the scenario; this test reads
// the JSON lines all three processes write to the one stdout, in the order they happened.

type Event = { event: string; pid: number; [field: string]: unknown };

const fixture = fileURLToPath(new URL('./fixtures/node.ts', import.meta.url));
const platformDir = fileURLToPath(new URL('../../', import.meta.url));

describe('forkWorkers + startPrimaryHub with real worker processes', () => {
  let primary: ChildProcess;
  const events: Event[] = [];
  let stderr = '';
  let exited: Promise<number | null>;

  const waitForEvent = (name: string, timeoutMs = 15_000) =>
    new Promise<Event>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        const found = events.find((e) => e.event === name);
        if (found) return resolve(found);
        if (Date.now() > deadline) {
          return reject(new Error(`no "${name}" event; saw ${JSON.stringify(events)}; stderr: ${stderr}`));
        }
        setTimeout(check, 20);
      };
      check();
    });

  beforeAll(() => {
    // Node with the tsx loader directly (no wrapper process), so signals reach the primary.
    primary = spawn(process.execPath, ['--import', 'tsx', fixture], {
      cwd: platformDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AEROSTACK_NODE_ID: '' },
    });
    exited = new Promise((resolve) => primary.on('exit', (code) => resolve(code)));
    let buffered = '';
    primary.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Event);
    });
    primary.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
  });
  afterAll(() => {
    if (primary.exitCode === null) primary.kill('SIGKILL'); // its workers exit when it is gone
  });

  it("delivers a worker's message in the other worker before the publisher's publish resolves", async () => {
    await waitForEvent('published');
    const index = (predicate: (e: Event) => boolean) => events.findIndex(predicate);
    const publisher = events.find((e) => e.event === 'published')!.slot;
    const other = publisher === 0 ? 1 : 0;
    const receivedThere = index((e) => e.event === 'received' && e.slot === other);
    expect(receivedThere).toBeGreaterThanOrEqual(0);
    expect(receivedThere).toBeLessThan(index((e) => e.event === 'published'));
    expect(index((e) => e.event === 'received' && e.slot === publisher)).toBeLessThan(
      index((e) => e.event === 'published'),
    );
  });

  it('shares one rate limit between the workers: 5 allowed in total out of 10', async () => {
    expect((await waitForEvent('rate-limit')).total).toBe(5);
  });

  it('does not wait for a worker that dies before acknowledging, and restarts it', async () => {
    const published = await waitForEvent('published-die');
    // The hub's acknowledgement timeout is 20 s: resolving well before it means the death counted.
    expect(published.ms).toBeLessThan(10_000);
    expect(events.some((e) => e.event === 'hub-error')).toBe(false);
    const restart = await waitForEvent('restarted');
    expect(restart.slot).toBe(1);
  });

  it('forwards SIGTERM to the workers, waits for them, and exits 0', async () => {
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    const stopping = events.filter((e) => e.event === 'worker-stopping').map((e) => e.slot);
    expect(stopping.sort()).toEqual([0, 1]);
    expect(events.at(-1)?.event).toBe('primary-exit');
  });
});
