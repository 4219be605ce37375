import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { TriggerTables } from '../src/modules/hosting/triggers/store.js';
import { createPlatform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { fresh, type PlatformProcess, spawnPlatform } from './support/process.js';
import { gone, killTree, processTree } from './support/queue-process.js';

// Cron triggers across a crash, on SQLite and PostgreSQL, with real platform processes on the
// real clock: a platform runs a worker's every-two-seconds schedule and is killed with SIGKILL
// while another worker's run is in flight; two platforms then start on its data. Every tick that
// ran, ran once (its log once); no tick missed while nothing ran is run afterwards (each claim is
// within a period of its tick); the run cut by the crash is not run again, and the sweep reports
// it as interrupted.

const MAIN = join(import.meta.dirname, '../src/main.ts');
const TICKER = `name = "ticker"
main = "index.js"
compatibility_date = "2025-01-01"

[triggers]
crons = ["*/2 * * * * *"]
`;
const TICKER_CODE = `export default {
  async scheduled(controller) { console.log('tick ' + new Date(controller.scheduledTime).toISOString()); },
};`;
/** A schedule that fires once a day, at `at`'s time of day (UTC). */
const daily = (at: Date) => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
const SLEEPER_CODE = `export default {
  async scheduled() {
    console.log('start');
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  },
};`;

function envOf(stores: Awaited<ReturnType<(typeof BACKENDS)[number]['create']>>): Record<string, string> {
  return {
    AEROSTACK_DATA_DIR: stores.dataDir,
    ...(stores.databaseUrl ? { DATABASE_URL: stores.databaseUrl } : {}),
    ...(stores.redisUrl ? { REDIS_URL: stores.redisUrl } : {}),
    ...(stores.masterKeys ? { AEROSTACK_MASTER_KEYS: stores.masterKeys } : {}),
    AEROSTACK_WORKERS: '1',
  };
}

describe.each(BACKENDS.filter((b) => b.name !== 'postgres+redis'))(
  'cron triggers across a crash on $name',
  (backend) => {
    let stores: Awaited<ReturnType<typeof backend.create>>;
    const nodes: PlatformProcess[] = [];
    beforeAll(async () => {
      stores = await backend.create();
    });
    afterAll(async () => {
      for (const node of nodes) {
        const tree = processTree(node.child.pid!);
        await node.stop();
        await gone(tree).catch(() => {
          for (const pid of tree) killTree(pid);
        });
      }
      await stores?.cleanup();
    });

    it('runs each tick once, skips what nobody ran, and reports the run the crash cut', async () => {
      const first = await spawnPlatform(MAIN, envOf(stores));
      nodes.push(first);
      const keys = JSON.parse(readFileSync(join(stores.dataDir, 'keys.json'), 'utf8'));
      const call = async (node: PlatformProcess, method: string, path: string, body?: unknown) => {
        const res = await fresh(`${node.url}/v1/projects/${keys.projectId}${path}`, {
          method,
          headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, json: res.body ? JSON.parse(res.body) : null };
      };
      const ticks = async (node: PlatformProcess) => {
        const res = await call(node, 'GET', '/workers/ticker/logs?limit=100');
        return (res.json.data as Array<{ lines: Array<{ message: string }> }>)
          .map((log) => log.lines[0]?.message ?? '')
          .filter((line) => line.startsWith('tick '));
      };
      const deploy = async (toml: string, content: string) => {
        const res = await call(first, 'POST', '/deployments', {
          aerostackToml: toml,
          modules: [{ name: 'index.js', content }],
        });
        expect(res.status, JSON.stringify(res.json)).toBe(201);
      };
      const sleeperAt = new Date(Date.now() + 8_000);
      await deploy(
        `name = "sleeper"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n\n[triggers]\ncrons = ["${daily(sleeperAt)}"]\n`,
        SLEEPER_CODE,
      );
      await deploy(TICKER, TICKER_CODE);
      // Ticks after the sleeper's time have run: the pass that claimed them claimed the sleeper's first.
      await expect
        .poll(
          async () =>
            (await ticks(first)).filter((t) => Date.parse(t.slice(5)) > sleeperAt.getTime() + 2_000),
          {
            timeout: 60_000,
            interval: 250,
          },
        )
        .not.toEqual([]);

      const killed = killTree(first.child.pid!);
      const killedAt = Date.now();
      await gone(killed);
      // Two periods of outage whatever the machine: the first tick after the kill is then missed
      // and not the latest when the restarted nodes look (a quicker restart would run it late,
      // as the latest missed tick, and leave no hole to check below).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 4_500 - Date.now())));
      nodes.splice(0, 1);
      const restarted = await Promise.all([
        spawnPlatform(MAIN, envOf(stores)),
        spawnPlatform(MAIN, envOf(stores)),
      ]);
      nodes.push(...restarted);
      await expect
        .poll(
          async () => (await ticks(restarted[0]!)).filter((t) => Date.parse(t.slice(5)) > killedAt).length,
          {
            timeout: 60_000,
            interval: 250,
          },
        )
        .toBeGreaterThanOrEqual(4);
      for (const node of nodes.splice(0)) {
        const tree = processTree(node.child.pid!);
        await node.stop();
        await gone(tree);
      }

      // A node in this process reads what they left, and sweeps.
      const platform = await createPlatform(configFor(stores));
      try {
        const db = tables<TriggerTables>(platform.services.database);
        const runs = await db.selectFrom('hosting_cron_runs').selectAll().orderBy('tick').execute();
        const ticker = runs.filter((r) => r.worker === 'ticker');
        // No tick was claimed long after it: missed ticks were not backfilled.
        for (const run of ticker) expect(Number(run.claimed_at) - Number(run.tick)).toBeLessThan(2_000);
        const before = ticker.filter((r) => Number(r.tick) < killedAt);
        const after = ticker.filter((r) => Number(r.tick) > killedAt);
        expect(new Set(before.map((r) => r.node)).size).toBe(1);
        expect(after.some((r) => r.node === before[0]!.node)).toBe(false);
        // The outage left a hole: the ticks nobody ran stay unrun (two periods apart: one missed).
        const gaps = ticker.slice(1).map((r, i) => Number(r.tick) - Number(ticker[i]!.tick));
        expect(Math.max(...gaps)).toBeGreaterThanOrEqual(4_000);

        const res = await platform.app.request(
          `/v1/projects/${keys.projectId}/workers/ticker/logs?limit=100`,
          {
            headers: { authorization: `Bearer ${keys.accountKey}` },
          },
        );
        const lines = (
          ((await res.json()) as { data: unknown }).data as Array<{ lines: Array<{ message: string }> }>
        ).map((log) => log.lines[0]!.message);
        expect(lines.length).toBeGreaterThanOrEqual(after.length);
        expect(new Set(lines).size).toBe(lines.length);

        const [sleeper] = runs.filter((r) => r.worker === 'sleeper');
        expect(sleeper).toMatchObject({ node: before[0]!.node, outcome: null, finished_at: null });
        await platform.services.hosting.triggers.sweep(
          Date.now() + platform.services.config.hosting.runtime.wallMs + 61_000,
        );
        await platform.services.hosting.logs.flush();
        const sleeperLogs = await platform.app.request(
          `/v1/projects/${keys.projectId}/workers/sleeper/logs`,
          {
            headers: { authorization: `Bearer ${keys.accountKey}` },
          },
        );
        expect(
          ((await sleeperLogs.json()) as { data: Array<{ outcome: string }> }).data.map(
            (log: { outcome: string }) => log.outcome,
          ),
        ).toEqual(['interrupted']);
        const swept = await db
          .selectFrom('hosting_cron_runs')
          .select('outcome')
          .where('worker', '=', 'sleeper')
          .execute();
        expect(swept).toEqual([{ outcome: 'interrupted' }]);
      } finally {
        await platform.close();
      }
    }, 400_000);
  },
);
