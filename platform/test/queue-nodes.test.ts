import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { gone, killTree, processTree } from './support/queue-process.js';
import { callNode, twoNodes } from './support/two-nodes.js';

// The queue across a restart and across nodes: a platform process killed with SIGKILL and started
// again on its data loses no job (SQLite, PostgreSQL), and consumers pulling through two nodes
// that share PostgreSQL never hold live leases on the same job, neither when jobs are first
// leased nor when expired leases are taken again through the other node, and one idempotency key
// enqueued through both at once makes one job.

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

describe.each(BACKENDS.filter((b) => b.name === 'postgres'))('queue on two nodes on $name', (backend) => {
  const nodes = twoNodes(backend);
  let a: Platform;
  let b: Platform;
  beforeAll(() => {
    ({ a, b } = nodes);
  });
  const send = (node: Platform, method: string, path: string, body?: unknown) =>
    callNode(node, method, path, nodes.a.keys!.secretKey, body);

  it('never leases one job to consumers on both nodes at once', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const res = await send(i % 2 ? a : b, 'POST', '/v1/queue/jobs', {
        type: 'two',
        payload: i,
      });
      ids.add(res.json.id);
    }
    // 24 consumers, half on each node, pull in rounds until the queue is empty.
    const leases: Array<{ leaseId: string; job: { id: string } }> = [];
    for (let round = 0; round < 20 && leases.length < ids.size; round++) {
      const pulls = await Promise.all(
        Array.from({ length: 24 }, (_, n) =>
          send(n % 2 ? a : b, 'POST', '/v1/queue/pull', {
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
    // Each lease acks through the other node than it might have come from: the database decides.
    const acks = await Promise.all(
      leases.map((l, n) =>
        send(n % 2 ? b : a, 'POST', `/v1/queue/jobs/${l.job.id}/ack`, { leaseId: l.leaseId }),
      ),
    );
    expect(acks.filter((r) => r.status !== 200)).toEqual([]);
  }, 120_000);

  it('creates one job for one idempotency key enqueued through both nodes at once', async () => {
    const body = { type: 'two.idem', payload: { n: 1 }, idempotencyKey: `both-${Date.now()}` };
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, n) => send(n % 2 ? a : b, 'POST', '/v1/queue/jobs', body)),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map((r) => r.json.id)).size).toBe(1);
    const listed = await send(a, 'GET', '/v1/queue/jobs?type=two.idem');
    expect(listed.json.data.map((j: { id: string }) => j.id)).toEqual([answers[0]!.json.id]);
  });

  it('never overlaps two leases of one job across the nodes while leases expire', async () => {
    const LEASE_MS = 1000;
    // One type per job, so the last step can lease a given job through a given node.
    const typeOf = new Map<string, string>();
    for (let i = 0; i < 10; i++) {
      const type = `two.expiry.${i}`;
      const res = await send(i % 2 ? a : b, 'POST', '/v1/queue/jobs', {
        type,
        maxAttempts: 100,
      });
      typeOf.set(res.json.id, type);
    }
    const types = [...typeOf.values()];
    type Grant = { from: number; to: number; leaseId: string; on: Platform };
    const grants = new Map<string, Grant[]>();
    let latest = 0; // when the last lease granted so far expires
    const pull = async (on: Platform, body: Record<string, unknown>) => {
      const res = await send(on, 'POST', '/v1/queue/pull', {
        leaseSeconds: LEASE_MS / 1000,
        ...body,
      });
      expect(res.status).toBe(200);
      const leased = res.json.data as Array<{
        leaseId: string;
        leaseExpiresAt: string;
        job: { id: string };
      }>;
      for (const l of leased) {
        const to = Date.parse(l.leaseExpiresAt);
        latest = Math.max(latest, to);
        const grant = { from: to - LEASE_MS, to, leaseId: l.leaseId, on };
        grants.set(l.job.id, [...(grants.get(l.job.id) ?? []), grant]);
      }
      return leased.map((l) => l.job.id);
    };
    // Rounds of 12 consumers, half on each node, pulling at once; every other round comes
    // after every lease so far has expired (a lower bound on the wait, not a margin), so the
    // jobs are leased again under concurrent pulls from both nodes.
    for (let round = 0; round < 6; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, n) => pull(n % 2 ? a : b, { types, limit: 2 })));
      if (round % 2 === 1) while (Date.now() <= latest) await new Promise((r) => setTimeout(r, 50));
    }
    // Then each job once more, through the node that did not grant its last lease.
    for (const id of [...grants.keys()]) {
      const other = grants.get(id)!.at(-1)!.on === a ? b : a;
      expect(await pull(other, { types: [typeOf.get(id)!] })).toEqual([id]);
    }

    expect(grants.size).toBe(10);
    for (const [id, list] of grants) {
      expect(list.length).toBeGreaterThanOrEqual(3);
      expect(new Set(list.map((g) => g.on)).size).toBe(2);
      const sorted = [...list].sort((x, y) => x.from - y.from);
      for (let i = 1; i < sorted.length; i++) {
        expect(
          sorted[i]!.from,
          `${id}: lease ${i} began before lease ${i - 1} expired`,
        ).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
      }
      // A superseded lease acks nothing, through either node.
      const old = sorted[0]!;
      const late = await send(old.on === a ? b : a, 'POST', `/v1/queue/jobs/${id}/ack`, {
        leaseId: old.leaseId,
      });
      expect([late.status, late.json.code]).toEqual([409, 'queue/lease-lost']);
    }
  }, 120_000);
});
