import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { gone, killTree, processTree } from './support/queue-process.js';

// The queue as whole platform processes run it: a platform killed with SIGKILL and started again
// on its data loses no job (SQLite, PostgreSQL), and consumers pulling through two platform
// processes that share PostgreSQL never hold live leases on the same job.

const MAIN = join(import.meta.dirname, '../src/main.ts');

function envOf(stores: Awaited<ReturnType<(typeof BACKENDS)[number]['create']>>): Record<string, string> {
  return {
    AEROSTACK_DATA_DIR: stores.dataDir,
    ...(stores.databaseUrl ? { DATABASE_URL: stores.databaseUrl } : {}),
    ...(stores.redisUrl ? { REDIS_URL: stores.redisUrl } : {}),
    ...(stores.masterKeys ? { AEROSTACK_MASTER_KEYS: stores.masterKeys } : {}),
    AEROSTACK_WORKERS: '1',
  };
}

async function call(node: PlatformProcess, secretKey: string, method: string, path: string, body?: unknown) {
  const res = await fresh(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
}

describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'queue across a restart on $name',
  (backend) => {
    let stores: Awaited<ReturnType<typeof backend.create>>;
    let node: PlatformProcess | undefined;
    beforeAll(async () => {
      stores = await backend.create();
    });
    afterAll(async () => {
      const tree = node ? processTree(node.child.pid!) : [];
      await node?.stop();
      await gone(tree).catch(() => {
        for (const q of tree) killTree(q);
      });
      await stores?.cleanup();
    });

    it('loses no job when the platform is killed and started again', async () => {
      node = await spawnPlatform(MAIN, envOf(stores));
      const secretKey = JSON.parse(readFileSync(join(stores.dataDir, 'keys.json'), 'utf8')).secretKey;
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await call(node, secretKey, 'POST', '/v1/queue/jobs', { type: 'restart', payload: i });
        expect(res.status).toBe(201);
        ids.push(res.json.id);
      }
      // One of them is running under a lease when the platform dies.
      const before = await call(node, secretKey, 'POST', '/v1/queue/pull', {
        types: ['restart'],
        leaseSeconds: 600,
      });
      const running = before.json.data[0];
      // The whole tree: the tsx CLI and the node process that serves.
      const oldUrl = node.url;
      const killed = killTree(node.child.pid!);
      expect(killed.length).toBeGreaterThan(1);
      await gone(killed);
      await expect(fresh(`${oldUrl}/healthz`)).rejects.toThrow(); // nothing serves there any more

      node = await spawnPlatform(MAIN, envOf(stores));
      const listed = await call(node, secretKey, 'GET', '/v1/queue/jobs?type=restart&limit=100');
      expect(new Set(listed.json.data.map((j: { id: string }) => j.id))).toEqual(new Set(ids));
      const after = await call(node, secretKey, 'POST', '/v1/queue/pull', { types: ['restart'], limit: 100 });
      expect(after.json.data).toHaveLength(19); // every queued one; the leased one is still leased
      expect(after.json.data.map((l: { job: { id: string } }) => l.job.id)).not.toContain(running.job.id);
      const ack = await call(node, secretKey, 'POST', `/v1/queue/jobs/${running.job.id}/ack`, {
        leaseId: running.leaseId,
      });
      expect(ack.json.status, JSON.stringify(ack.json)).toBe('succeeded');
    }, 120_000);
  },
);

describe.each(BACKENDS.filter((b) => b.name === 'postgres'))(
  'queue on two platform processes on $name',
  (backend) => {
    let stores: Awaited<ReturnType<typeof backend.create>>;
    let a: PlatformProcess;
    let b: PlatformProcess;
    let secretKey: string;
    beforeAll(async () => {
      stores = await backend.create();
      a = await spawnPlatform(MAIN, envOf(stores));
      b = await spawnPlatform(MAIN, envOf(stores));
      secretKey = JSON.parse(readFileSync(join(stores.dataDir, 'keys.json'), 'utf8')).secretKey;
    }, 120_000);
    afterAll(async () => {
      for (const p of [a, b]) {
        if (!p) continue;
        const tree = processTree(p.child.pid!);
        await p.stop();
        await gone(tree).catch(() => {
          for (const q of tree) killTree(q);
        });
      }
      await stores?.cleanup();
    });

    it('never leases one job to consumers on both processes at once', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const res = await call(i % 2 ? a : b, secretKey, 'POST', '/v1/queue/jobs', {
          type: 'two',
          payload: i,
        });
        ids.add(res.json.id);
      }
      // 24 consumers, half on each process, pull in rounds until the queue is empty.
      const leases: Array<{ leaseId: string; job: { id: string } }> = [];
      for (let round = 0; round < 20 && leases.length < ids.size; round++) {
        const pulls = await Promise.all(
          Array.from({ length: 24 }, (_, n) =>
            call(n % 2 ? a : b, secretKey, 'POST', '/v1/queue/pull', {
              types: ['two'],
              limit: 2,
              leaseSeconds: 600,
            }),
          ),
        );
        for (const p of pulls) {
          expect(p.status).toBe(200);
          leases.push(...p.json.data);
        }
      }
      const leased = leases.map((l) => l.job.id);
      expect(new Set(leased).size, 'a job was leased twice').toBe(leased.length);
      expect(new Set(leased)).toEqual(ids);
      // Each lease acks through the other process than it might have come from: the database decides.
      const acks = await Promise.all(
        leases.map((l, n) =>
          call(n % 2 ? b : a, secretKey, 'POST', `/v1/queue/jobs/${l.job.id}/ack`, { leaseId: l.leaseId }),
        ),
      );
      expect(acks.filter((r) => r.status !== 200)).toEqual([]);
    }, 120_000);
  },
);
