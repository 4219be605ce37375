import type { Answer, TestPlatform } from './harness.js';

/** The queue's clock, as tests move it (see QueueService.clock). */
export interface Clock {
  now(): number;
}

export interface LeasedJob {
  leaseId: string;
  leaseExpiresAt: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  job: any;
}

/** Queue calls with the platform's secret key (or `auth`), failing loudly on an unexpected status. */
export function queueCaller(t: Pick<TestPlatform, 'call' | 'keys'>, auth = t.keys.secretKey) {
  const raw = (method: string, path: string, body?: unknown): Promise<Answer> =>
    t.call({ method, path, body, auth });
  return {
    raw,
    call: raw,
    async enqueue(body: Record<string, unknown>) {
      const res = await raw('POST', '/v1/queue/jobs', body);
      if (res.status !== 201) throw new Error(`enqueue answered ${res.status}: ${res.text}`);
      return res.json;
    },
    async pull(body: Record<string, unknown> = {}): Promise<LeasedJob[]> {
      const res = await raw('POST', '/v1/queue/pull', body);
      if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${res.text}`);
      return res.json.data;
    },
  };
}
