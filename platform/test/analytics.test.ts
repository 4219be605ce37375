import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import { createLogger } from '../src/lib/logger.js';
import { type CallEvent, createAnalyticsService } from '../src/modules/analytics/service.js';
import type { AnalyticsTables } from '../src/modules/analytics/store.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// Gateway analytics: every tools/call is one row, written in batches off the request path; a
// monthly counter enforces the workspace's callsPerMonth atomically; the admin API lists calls and
// aggregates them (nearest-rank p50 / p95 computed by the database) for the account key and the
// workspace's admin tokens only.

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process on the test's stores that reserves calls when told to (support/analytics-reserve-main.ts). */
function reserver(env: Record<string, string>) {
  const child = spawn(
    join(import.meta.dirname, '../node_modules/.bin/tsx'),
    [join(import.meta.dirname, 'support/analytics-reserve-main.ts')],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('the reserving process exited early');
    return line.value;
  };
  return {
    ready: next().then((line) => expect(line).toBe('ready')),
    async go(): Promise<number> {
      child.stdin!.write('go\n');
      return (JSON.parse(await next()) as { granted: number }).granted;
    },
  };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await wait(25);
  }
}

describe.each(BACKENDS)('analytics on $name', (backend) => {
  let t: TestPlatform;
  let ws: string;
  let other: string;
  let members: { admin: string; developer: string };
  let tokens: { admin: string; developer: string; readOnly: string; otherAdmin: string; intruder: string };

  const get = (path: string, auth: string = t.keys.accountKey) => t.call({ method: 'GET', path, auth });
  const post = async (path: string, body: unknown, auth: string = t.keys.accountKey) => {
    const res = await t.call({ method: 'POST', path, auth, body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  const analytics = (what: string, query = '', workspaceId = ws) =>
    `/v1/workspaces/${workspaceId}/analytics/${what}${query ? `?${query}` : ''}`;
  const event = (over: Partial<CallEvent>): CallEvent => ({
    workspaceId: ws,
    memberId: members.admin,
    tokenId: null,
    serverId: 'srv_0000000000000000000a',
    server: 'github',
    tool: 'search',
    startedAt: T0,
    durationMs: 1,
    status: 'ok',
    errorCode: null,
    ...over,
  });
  const rowsOf = (workspaceId: string) =>
    tables<AnalyticsTables>(t.platform.services.database)
      .selectFrom('gateway_calls')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();

  /** A workspace of the account with a member of each role and their tokens. */
  async function workspace(name: string, limits?: { callsPerMonth: number }) {
    const created = await post('/v1/workspaces', { name, ...(limits ? { limits } : {}) });
    const token = async (role: string) => {
      const member = await post(`/v1/workspaces/${created.id}/members`, { name: role, role });
      const issued = await post(`/v1/workspaces/${created.id}/tokens`, { memberId: member.id });
      return { memberId: member.id as string, secret: issued.secret as string };
    };
    return {
      id: created.id as string,
      admin: await token('admin'),
      developer: await token('developer'),
      readOnly: await token('read-only'),
    };
  }

  beforeAll(async () => {
    t = await testPlatform(backend);
    const main = await workspace('Analytics');
    const second = await workspace('Other');
    ws = main.id;
    other = second.id;
    members = { admin: main.admin.memberId, developer: main.developer.memberId };
    const { account, keys, database } = t.platform.services;
    const intruderAccount = (await account.create(database.db, 'Intruder')).id;
    const intruder = await keys.issue(
      database.db,
      { accountId: intruderAccount, projectId: null },
      'account',
    );
    tokens = {
      admin: main.admin.secret,
      developer: main.developer.secret,
      readOnly: main.readOnly.secret,
      otherAdmin: second.admin.secret,
      intruder: intruder.key,
    };

    // A known set: github/search by the admin, 1..20 ms; slack/post by the developer, 5, 100 and
    // 7 ms (the 100 an error); jira/search by the developer, 2.5 ms, an error; one call of the other
    // workspace, which no query of this one may see.
    const record = t.platform.services.analytics.record;
    for (let i = 1; i <= 20; i++) record(event({ startedAt: T0 + i * 1000, durationMs: i }));
    const dev = { memberId: members.developer, serverId: null };
    record(event({ ...dev, server: 'slack', tool: 'post', startedAt: T0 + 30_000, durationMs: 5 }));
    record(
      event({
        ...dev,
        server: 'slack',
        tool: 'post',
        startedAt: T0 + 31_000,
        durationMs: 100,
        status: 'error',
        errorCode: 'gateway/upstream-timeout',
      }),
    );
    record(event({ ...dev, server: 'slack', tool: 'post', startedAt: T0 + 32_000, durationMs: 7 }));
    record(
      event({
        ...dev,
        server: 'jira',
        tool: 'search',
        startedAt: T0 + 40_000,
        durationMs: 2.5,
        status: 'error',
        errorCode: 'gateway/upstream-error',
      }),
    );
    record(
      event({ workspaceId: other, memberId: second.admin.memberId, startedAt: T0 + 5000, durationMs: 999 }),
    );
    await t.platform.services.analytics.flush();
  });
  afterAll(() => t?.close());

  describe('recording', () => {
    it('writes a recorded call within the flush interval, without an explicit flush', async () => {
      t.platform.services.analytics.record(event({ server: 'timer', startedAt: T0 - 5000 }));
      const rows = await until(
        async () => (await rowsOf(ws)).filter((r) => r.server === 'timer'),
        (r) => r.length === 1,
        1500,
      );
      expect(rows).toHaveLength(1);
    });

    it('writes a full batch at once, and what is left on close', async () => {
      const service = createAnalyticsService(t.platform.services, { flushMs: 60_000 });
      const batch = (n: number) => event({ workspaceId: other, server: `batch${n}`, startedAt: T0 - 10_000 });
      // 200 waiting are written at once (as inserts of 128, 64 and 8 rows).
      for (let i = 0; i < 200; i++) service.record(batch(1));
      const written = await until(
        async () => (await rowsOf(other)).filter((r) => r.server === 'batch1'),
        (r) => r.length === 200,
      );
      expect(written).toHaveLength(200);
      service.record(batch(2));
      await wait(100);
      expect((await rowsOf(other)).filter((r) => r.server === 'batch2')).toHaveLength(0); // waits for the timer
      await service.close();
      expect((await rowsOf(other)).filter((r) => r.server === 'batch2')).toHaveLength(1);
    });

    it('logs a failed write without throwing, and keeps the other workspaces’ calls of the batch', async () => {
      const lines: string[] = [];
      const logger = createLogger('info', (line) => lines.push(line));
      const service = createAnalyticsService({ ...t.platform.services, logger }, { flushMs: 60_000 });
      const gone = `wsp_${'0'.repeat(20)}`;
      expect(() => service.record(event({ workspaceId: gone, server: 'orphan' }))).not.toThrow();
      service.record(event({ workspaceId: other, server: 'survivor', startedAt: T0 - 20_000 }));
      await service.flush();
      await logger.flush();
      expect((await rowsOf(other)).filter((r) => r.server === 'survivor')).toHaveLength(1);
      expect(await rowsOf(gone)).toHaveLength(0);
      const failure = lines
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'analytics: could not record calls');
      expect(failure).toMatchObject({ level: 'error', workspaceId: gone, rows: 1 });
      await service.close();
    });

    it('stores only the event’s fields: nothing the gateway might attach by mistake', async () => {
      const leaky = {
        ...event({ server: 'leaky', startedAt: T0 - 30_000 }),
        arguments: { q: 'planted-7f3a' },
        result: 'planted-9c1b',
      };
      t.platform.services.analytics.record(leaky as CallEvent);
      await t.platform.services.analytics.flush();
      const [row] = (await rowsOf(ws)).filter((r) => r.server === 'leaky');
      expect(Object.keys(row!).sort()).toEqual([
        'duration_ms',
        'error_code',
        'id',
        'member_id',
        'server',
        'server_id',
        'started_at',
        'status',
        'token_id',
        'tool',
        'workspace_id',
      ]);
      expect(JSON.stringify(row)).not.toMatch(/planted/);
    });

    it('deleting a workspace deletes its calls and its usage', async () => {
      const doomed = await post('/v1/workspaces', { name: 'Doomed' });
      await t.platform.services.analytics.reserveCall(doomed.id, 10);
      t.platform.services.analytics.record(event({ workspaceId: doomed.id }));
      await t.platform.services.analytics.flush();
      expect(await rowsOf(doomed.id)).toHaveLength(1);
      const res = await t.call({
        method: 'DELETE',
        path: `/v1/workspaces/${doomed.id}`,
        auth: t.keys.accountKey,
      });
      expect(res.status, res.text).toBe(204);
      expect(await rowsOf(doomed.id)).toHaveLength(0);
      const usage = await tables<AnalyticsTables>(t.platform.services.database)
        .selectFrom('gateway_usage')
        .selectAll()
        .where('workspace_id', '=', doomed.id)
        .execute();
      expect(usage).toHaveLength(0);
    });
  });

  describe('listing calls', () => {
    const range = `from=${iso(T0)}&to=${iso(T0 + 60_000)}`;

    it('lists a range newest first, every field, and pages through it with the cursor', async () => {
      const first = await get(analytics('calls', `${range}&limit=10`));
      expect(first.status, first.text).toBe(200);
      expect(first.json.data[0]).toEqual({
        id: expect.stringMatching(/^cal_/),
        memberId: members.developer,
        tokenId: null,
        server: 'jira',
        tool: 'search',
        startedAt: iso(T0 + 40_000),
        durationMs: 2.5,
        status: 'error',
        errorCode: 'gateway/upstream-error',
      });
      const seen = [...first.json.data];
      let cursor = first.json.nextCursor;
      while (cursor) {
        const page = await get(analytics('calls', `${range}&limit=10&cursor=${cursor}`));
        seen.push(...page.json.data);
        cursor = page.json.nextCursor;
      }
      expect(seen).toHaveLength(24);
      const times = seen.map((c) => Date.parse(c.startedAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(seen.map((c) => c.id)).size).toBe(24);
    });

    it('pages through calls that share a start time without losing or repeating one', async () => {
      const same = T0 - 3_600_000;
      for (let i = 0; i < 5; i++)
        t.platform.services.analytics.record(event({ server: 'tie', startedAt: same }));
      await t.platform.services.analytics.flush();
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(analytics('calls', `server=tie&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
        ids.push(...page.json.data.map((c: { id: string }) => c.id));
        cursor = page.json.nextCursor;
      } while (cursor);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
    });

    it.each([
      ['memberId (developer)', () => `${range}&memberId=${members.developer}`, 4],
      ['server', () => `${range}&server=slack`, 3],
      ['tool', () => `${range}&tool=search`, 21],
      ['server and tool', () => `${range}&server=jira&tool=search`, 1],
      ['status', () => `${range}&status=error`, 2],
      ['from (inclusive)', () => `from=${iso(T0 + 20_000)}&to=${iso(T0 + 60_000)}`, 5],
      ['to (exclusive)', () => `from=${iso(T0)}&to=${iso(T0 + 20_000)}`, 19],
      ['an empty range', () => `from=${iso(T0 + 1000)}&to=${iso(T0 + 1000)}`, 0],
    ])('filters by %s', async (_, query, count) => {
      const res = await get(analytics('calls', `${query()}&limit=1000`));
      expect(res.status, res.text).toBe(200);
      expect(res.json.data).toHaveLength(count);
    });

    it('never shows another workspace’s calls', async () => {
      const res = await get(analytics('calls', `${range}&limit=1000`));
      expect(res.json.data.some((c: { durationMs: number }) => c.durationMs === 999)).toBe(false);
      const theirs = await get(analytics('calls', `${range}&limit=1000`, other));
      expect(theirs.json.data.map((c: { durationMs: number }) => c.durationMs)).toEqual([999]);
    });
  });

  describe('summary', () => {
    const range = `from=${iso(T0)}&to=${iso(T0 + 60_000)}`;
    // 24 calls: 1..20, 5, 100, 7, 2.5 → sorted, rank ⌈0.5·24⌉ = 12 is 9 and ⌈0.95·24⌉ = 23 is 20.
    const total = { calls: 24, errors: 2, errorRate: 2 / 24, p50Ms: 9, p95Ms: 20 };

    it('aggregates the range with nearest-rank percentiles', async () => {
      const res = await get(analytics('summary', range));
      expect(res.status, res.text).toBe(200);
      expect(res.json).toEqual({ from: iso(T0), to: iso(T0 + 60_000), total, groups: [] });
    });

    it.each([
      [
        'member',
        () => [
          // 1..20: ranks 10 and 19. The developer's 5, 100, 7, 2.5: ranks 2 (5) and 4 (100).
          { key: members.admin, calls: 20, errors: 0, errorRate: 0, p50Ms: 10, p95Ms: 19 },
          { key: members.developer, calls: 4, errors: 2, errorRate: 0.5, p50Ms: 5, p95Ms: 100 },
        ],
      ],
      [
        'server',
        () => [
          { key: 'github', calls: 20, errors: 0, errorRate: 0, p50Ms: 10, p95Ms: 19 },
          { key: 'slack', calls: 3, errors: 1, errorRate: 1 / 3, p50Ms: 7, p95Ms: 100 },
          { key: 'jira', calls: 1, errors: 1, errorRate: 1, p50Ms: 2.5, p95Ms: 2.5 },
        ],
      ],
      [
        'tool',
        () => [
          // Two servers' `search` tools are two groups.
          { key: 'search', server: 'github', calls: 20, errors: 0, errorRate: 0, p50Ms: 10, p95Ms: 19 },
          { key: 'post', server: 'slack', calls: 3, errors: 1, errorRate: 1 / 3, p50Ms: 7, p95Ms: 100 },
          { key: 'search', server: 'jira', calls: 1, errors: 1, errorRate: 1, p50Ms: 2.5, p95Ms: 2.5 },
        ],
      ],
    ])('groups by %s, most calls first', async (groupBy, groups) => {
      const res = await get(analytics('summary', `${range}&groupBy=${groupBy}`));
      expect(res.status, res.text).toBe(200);
      expect(res.json.total).toEqual(total);
      expect(res.json.groups).toEqual(groups());
    });

    it('orders groups with as many calls by key', async () => {
      const at = T0 + 3_600_000;
      for (const server of ['zeta', 'Alpha', 'beta']) {
        t.platform.services.analytics.record(event({ server, startedAt: at, durationMs: 3 }));
      }
      await t.platform.services.analytics.flush();
      const res = await get(analytics('summary', `from=${iso(at)}&to=${iso(at + 1)}&groupBy=server`));
      expect(res.json.groups.map((g: { key: string }) => g.key)).toEqual(['Alpha', 'beta', 'zeta']);
    });

    it('refuses a range holding more calls than one summary ranks', async () => {
      const range = { from: iso(T0), to: iso(T0 + 60_000) };
      const exact = createAnalyticsService(t.platform.services, { maxSummaryCalls: 24 });
      expect((await exact.summary(ws, range)).total.calls).toBe(24);
      const under = createAnalyticsService(t.platform.services, { maxSummaryCalls: 23 });
      await expect(under.summary(ws, range)).rejects.toMatchObject({
        code: 'analytics/range-too-large',
        status: 422,
      });
      await Promise.all([exact.close(), under.close()]);
    });

    it('answers null percentiles and a zero error rate for a range without calls', async () => {
      const res = await get(analytics('summary', `from=${iso(T0 - 1000)}&to=${iso(T0 - 999)}&groupBy=tool`));
      expect(res.json.total).toEqual({ calls: 0, errors: 0, errorRate: 0, p50Ms: null, p95Ms: null });
      expect(res.json.groups).toEqual([]);
    });

    it('covers the last 24 hours by default', async () => {
      const now = Date.now();
      t.platform.services.analytics.record(
        event({ server: 'recent', startedAt: now - 3_600_000, durationMs: 42 }),
      );
      t.platform.services.analytics.record(event({ server: 'recent', startedAt: now - 25 * 3_600_000 }));
      await t.platform.services.analytics.flush();
      const res = await get(analytics('summary', 'groupBy=server'));
      expect(res.status, res.text).toBe(200);
      expect(Date.parse(res.json.to) - Date.parse(res.json.from)).toBe(86_400_000);
      expect(res.json.groups).toEqual([
        { key: 'recent', calls: 1, errors: 0, errorRate: 0, p50Ms: 42, p95Ms: 42 },
      ]);
    });
  });

  describe('usage and the monthly limit', () => {
    it('lets exactly callsPerMonth concurrent callers through, and counts only those', async () => {
      const limited = await post('/v1/workspaces', { name: 'Limited', limits: { callsPerMonth: 7 } });
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => t.platform.services.analytics.reserveCall(limited.id, 7)),
      );
      expect(answers.filter(Boolean)).toHaveLength(7);
      const usage = await get(`/v1/workspaces/${limited.id}/analytics/usage`);
      expect(usage.status, usage.text).toBe(200);
      expect(usage.json).toEqual({ month: iso(Date.now()).slice(0, 7), calls: 7, limit: 7 });
    });

    it('holds the limit across two processes asking at the same moment', { timeout: 60_000 }, async () => {
      const limited = await post('/v1/workspaces', { name: 'Two processes', limits: { callsPerMonth: 25 } });
      const { config } = t.platform.services;
      const env = {
        AEROSTACK_DATA_DIR: config.dataDir,
        ...(config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : {}),
        ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : {}),
        ...(config.masterKeys ? { AEROSTACK_MASTER_KEYS: config.masterKeys } : {}),
        RESERVE_WORKSPACE: limited.id,
        RESERVE_LIMIT: '25',
        RESERVE_CALLS: '40',
      };
      const processes = [reserver(env), reserver(env)];
      await Promise.all(processes.map((p) => p.ready));
      const granted = await Promise.all(processes.map((p) => p.go()));
      expect(granted[0]! + granted[1]!).toBe(25);
      const usage = await get(`/v1/workspaces/${limited.id}/analytics/usage`);
      expect(usage.json.calls).toBe(25);
    });

    it('counts every call of an unlimited workspace (with the next batch) and reports no limit', async () => {
      const free = await post('/v1/workspaces', { name: 'Unlimited' });
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => t.platform.services.analytics.reserveCall(free.id, 0)),
      );
      expect(answers.every(Boolean)).toBe(true);
      await t.platform.services.analytics.flush();
      const usage = await get(`/v1/workspaces/${free.id}/analytics/usage`);
      expect(usage.json).toEqual({ month: iso(Date.now()).slice(0, 7), calls: 25, limit: null });
    });

    it('starts each UTC month from zero', async () => {
      let clock = Date.parse('2026-01-31T23:59:59.999Z');
      const service = createAnalyticsService(t.platform.services, { now: () => clock });
      const limited = await post('/v1/workspaces', { name: 'Rollover', limits: { callsPerMonth: 2 } });
      const reserve = () => service.reserveCall(limited.id, 2);
      expect([await reserve(), await reserve(), await reserve()]).toEqual([true, true, false]);
      expect(await service.usage(limited.id, 2)).toEqual({ month: '2026-01', calls: 2, limit: 2 });
      clock = Date.parse('2026-02-01T00:00:00.000Z');
      expect(await reserve()).toBe(true);
      expect(await service.usage(limited.id, 2)).toEqual({ month: '2026-02', calls: 1, limit: 2 });
      clock = Date.parse('2026-01-15T00:00:00.000Z');
      expect(await service.usage(limited.id, 2)).toEqual({ month: '2026-01', calls: 2, limit: 2 });
      await service.close();
    });
  });

  describe('who may read', () => {
    const operations = ['calls', 'summary', 'usage'];
    const cases: Array<[string, () => string, () => string, number, string | null]> = [
      ['the account key', () => t.keys.accountKey, () => ws, 200, null],
      ['an admin token of the workspace', () => tokens.admin, () => ws, 200, null],
      ['a developer token', () => tokens.developer, () => ws, 403, 'workspaces/forbidden'],
      ['a read-only token', () => tokens.readOnly, () => ws, 403, 'workspaces/forbidden'],
      ['an admin token of another workspace', () => tokens.otherAdmin, () => ws, 404, 'workspaces/not-found'],
      ['another account’s key', () => tokens.intruder, () => ws, 404, 'workspaces/not-found'],
      [
        'the account key, an unknown workspace',
        () => t.keys.accountKey,
        () => `wsp_${'1'.repeat(20)}`,
        404,
        'workspaces/not-found',
      ],
      ['a project secret key', () => t.keys.secretKey, () => ws, 403, 'auth/wrong-credential-type'],
    ];
    it.each(operations.flatMap((op) => cases.map((c) => [op, ...c] as const)))(
      '%s, %s → %i',
      async (operation, _, auth, workspaceId, status, code) => {
        const res = await get(analytics(operation, '', workspaceId()), auth());
        expect(res.status, res.text).toBe(status);
        if (code) {
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(res.json.code).toBe(code);
        }
      },
    );

    it('answers 401 without credentials', async () => {
      const res = await t.call({ method: 'GET', path: analytics('usage') });
      expect(res.status).toBe(401);
    });
  });

  describe('bad queries', () => {
    it.each([
      ['calls: from after to', 'calls', `from=${iso(T0 + 1)}&to=${iso(T0)}`, 422, 'analytics/invalid-range'],
      [
        'summary: from after to',
        'summary',
        `from=${iso(T0 + 1)}&to=${iso(T0)}`,
        422,
        'analytics/invalid-range',
      ],
      [
        'summary: from in the future, to left to now',
        'summary',
        `from=${iso(Date.now() + 3_600_000)}`,
        422,
        'analytics/invalid-range',
      ],
      [
        'summary: a year of few calls is fine',
        'summary',
        `from=${iso(T0 - 365 * 86_400_000)}&to=${iso(T0)}`,
        200,
        null,
      ],
      ['a date that is not a time', 'calls', 'from=yesterday', 400, 'request/invalid-parameters'],
      ['a date without a zone', 'summary', 'to=2026-11-20T10:00:00', 400, 'request/invalid-parameters'],
      ['February 30th', 'calls', 'from=2026-02-30T00:00:00Z', 400, 'request/invalid-parameters'],
      ['an unknown groupBy', 'summary', 'groupBy=team', 400, 'request/invalid-parameters'],
      ['an unknown status', 'calls', 'status=failed', 400, 'request/invalid-parameters'],
      ['a malformed memberId', 'calls', 'memberId=usr_1', 400, 'request/invalid-parameters'],
      ['a limit over 1000', 'calls', 'limit=1001', 400, 'request/invalid-parameters'],
      ['a cursor not issued here', 'calls', 'cursor=bm9wZQ', 400, 'request/invalid-parameters'],
      [
        'a cursor of another list',
        'calls',
        `cursor=${Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url')}`,
        400,
        'request/invalid-parameters',
      ],
    ])('%s → %i', async (_, operation, query, status, code) => {
      const res = await get(analytics(operation, query));
      expect(res.status, res.text).toBe(status);
      if (code) {
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.json.code).toBe(code);
      }
    });
  });
});
