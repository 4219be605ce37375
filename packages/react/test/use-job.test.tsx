import { type AerostackClient, createClient, memoryStorage } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useJob, useQueue } from '../src/index.js';
import { countingFetch, startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useJob and useQueue against the real platform: a job's status follows its changes over the
// realtime stream (no polling), for the secret key and for the signed-in end user it is for.

let platform: TestPlatform;
let admin: AerostackClient;
beforeAll(async () => {
  platform = await startTestPlatform();
  admin = platform.client();
  const { version } = await admin.http.GET('/v1/rules');
  await admin.http.PUT('/v1/rules', {
    body: {
      version,
      learning: false,
      channels: [{ pattern: 'queue/users/{userId}/**', subscribe: 'owner' }],
      statements: [],
      tables: [],
    },
  });
});
afterAll(() => platform?.close());
afterEach(cleanup);

let n = 0;
const uniqueType = (name: string) => `react.${name}.${++n}.${Date.now()}`;

async function runJob(type: string, result: unknown) {
  const [leased] = await admin.queue.pull({ types: [type] });
  if (!leased) throw new Error('nothing to pull');
  await admin.queue.ack(leased.job.id, leased.leaseId, result as never);
}

describe('useJob', () => {
  it('shows a job’s status live, over the stream rather than by polling', async () => {
    const type = uniqueType('live');
    const job = await admin.queue.enqueue(type, { n: 1 });
    const counting = countingFetch();
    const watcher = platform.client({ fetch: counting.fetch });
    const { result } = renderHook(() => useJob<{ n: number }, { url: string }>(job.id), {
      wrapper: providerFor(watcher),
    });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.status).toBe('queued'));
    // Wait until the stream is open, then change the job from elsewhere.
    await waitFor(() => expect(counting.requests).toContain('GET /v1/realtime/events'));
    await runJob(type, { url: 'https://example.com/r' });
    await waitFor(() => expect(result.current.status).toBe('succeeded'));
    expect(result.current.done).toBe(true);
    expect(result.current.result).toEqual({ url: 'https://example.com/r' });
    const reads = counting.requests.filter((r) => r === `GET /v1/queue/jobs/${job.id}`);
    expect(reads.length).toBeLessThanOrEqual(3); // the query's read, and watch's reads on (re)subscribe
  });

  it('reads a final job once and opens no stream', async () => {
    const type = uniqueType('final');
    const job = await admin.queue.enqueue(type, null);
    await admin.queue.cancel(job.id);
    const counting = countingFetch();
    const { result } = renderHook(() => useJob(job.id), {
      wrapper: providerFor(platform.client({ fetch: counting.fetch })),
    });
    await waitFor(() => expect(result.current.status).toBe('cancelled'));
    expect(counting.requests).toEqual([`GET /v1/queue/jobs/${job.id}`]);
  });

  it('reports an unknown job as an error', async () => {
    const { result } = renderHook(() => useJob(`job_${'0'.repeat(20)}`), { wrapper: providerFor(admin) });
    await waitFor(() => expect(result.current.error?.code).toBe('queue/not-found'));
  });

  it('lets the signed-in end user a job is for watch it in the browser client', async () => {
    const user = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage() },
    });
    await user.auth.signUp({
      email: `react-job-${Date.now()}@example.com`,
      password: 'correct horse battery',
    });
    const userId = (await user.auth.getSession())!.user.id;
    const type = uniqueType('user');
    const job = await admin.queue.enqueue(type, null, { userId });
    const { result } = renderHook(() => useJob(job.id), { wrapper: providerFor(user) });
    await waitFor(() => expect(result.current.status).toBe('queued'));
    // The stream opens after the first read; a change made before it is picked up by its re-read.
    await runJob(type, 'for you');
    await waitFor(() => expect(result.current.status).toBe('succeeded'), { timeout: 10_000 });
    expect(result.current.result).toBe('for you');
  });
});

describe('useQueue', () => {
  it('enqueues and cancels, and useJob shows the job at once', async () => {
    const type = uniqueType('mutate');
    const { result } = renderHook(
      () => {
        const queue = useQueue();
        return { queue };
      },
      { wrapper: providerFor(admin) },
    );
    let id = '';
    await act(async () => {
      id = (await result.current.queue.enqueue(type, { a: 1 }, { delaySeconds: 60 })).id;
    });
    expect(id).toMatch(/^job_/);
    const { result: watched } = renderHook(() => useJob(id), { wrapper: providerFor(admin) });
    await waitFor(() => expect(watched.current.status).toBe('queued'));
    await act(async () => {
      await result.current.queue.cancel(id);
    });
    await waitFor(() => expect(watched.current.status).toBe('cancelled'));
    let failure: unknown;
    await act(async () => {
      failure = await result.current.queue.redrive(id).catch((e: unknown) => e);
    });
    expect(failure).toMatchObject({ code: 'queue/invalid-state' });
    await waitFor(() => expect(result.current.queue.error).toBe(failure));
  });
});
