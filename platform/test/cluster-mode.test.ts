import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';

// Multi-process mode (AEROSTACK_WORKERS=2): two workers share the port, the SQLite database (WAL)
// and, through the primary, the bus and the rate limits. What a worker holds in memory must stay
// correct: a key revoked through one worker is refused by the other on the very next request.

let platform: PlatformProcess;
let keys: { accountKey: string; secretKey: string; projectId: string };

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aerostack-cluster-'));
  platform = await spawnPlatform(join(import.meta.dirname, 'fixtures/main.ts'), {
    AEROSTACK_DATA_DIR: dataDir,
    AEROSTACK_WORKERS: '2',
  });
  keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8'));
}, 60_000);
afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

const worker = (answer: { headers: Record<string, unknown> }) =>
  answer.headers['x-aerostack-worker'] as string;

/** Sends `send` until both workers have answered; returns the answers by worker. */
async function onEachWorker(send: () => ReturnType<typeof fresh>) {
  const seen = new Map<string, Awaited<ReturnType<typeof fresh>>>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const answer = await send();
    seen.set(worker(answer), answer);
  }
  return seen;
}

describe('multi-process mode', () => {
  it('spreads requests over two workers that share the database', async () => {
    expect(platform.output()).toContain('2 workers');
    const put = await fresh(`${platform.url}/v1/cache/shared`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
      body: '{"value":"from one worker"}',
    });
    expect(put.status).toBe(200);
    const reads = await onEachWorker(() =>
      fresh(`${platform.url}/v1/cache/shared`, { headers: { authorization: `Bearer ${keys.secretKey}` } }),
    );
    expect([...reads.keys()].sort()).toEqual(['1', '2']);
    for (const answer of reads.values()) expect(JSON.parse(answer.body).value).toBe('from one worker');
  });

  it('a key revoked through one worker is refused by the other on the next request', async () => {
    const created = await fresh(`${platform.url}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      body: '{"name":"revoked across workers"}',
    });
    const { project, secretKey } = JSON.parse(created.body);
    const read = () =>
      fresh(`${platform.url}/v1/cache/anything`, { headers: { authorization: `Bearer ${secretKey.key}` } });
    // Both workers have now looked the key up, and hold it in their key cache.
    const warm = await onEachWorker(read);
    expect([...warm.values()].map((a) => a.status)).toEqual([404, 404]);

    const rotated = await fresh(`${platform.url}/v1/projects/${project.id}/keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      body: '{"type":"secret"}',
    });
    expect(rotated.status).toBe(201);
    const rotatedBy = worker(rotated);
    // The very next requests, on either worker (the other one first), are refused.
    const after = await onEachWorker(read);
    expect(after.size).toBe(2);
    for (const [id, answer] of after) expect([id, answer.status]).toEqual([id, 401]);
    expect(after.has(rotatedBy === '1' ? '2' : '1')).toBe(true);
  });

  it('shares one rate limit between the workers', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await fresh(`${platform.url}/test/limited`, {
          headers: { authorization: `Bearer ${keys.secretKey}` },
        }),
      );
    }
    const allowed = answers.filter((a) => a.status === 200);
    expect(allowed).toHaveLength(3);
    expect(new Set(answers.map(worker))).toEqual(new Set(['1', '2']));
    expect(answers.slice(3).map((a) => a.status)).toEqual([429, 429, 429]);
  });
});
