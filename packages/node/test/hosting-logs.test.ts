import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf as failure } from '../../core/test/support/rejection';
import {
  type AdminClient,
  createAdminClient,
  type InvocationLog,
  type LogTail,
  type LogTailOptions,
} from '../src';

// admin.hosting.logs against the real platform on a port with its real workerd: a project
// directory whose function logs and throws is deployed with deploy(projectId, dir); its
// invocations are listed page by page and per deployment, and tailed live over SSE; a tail left
// by break, abort or close() frees its place among the worker's 10, as the platform counts them.

const WORKER = 'sdk-logs';
const TOML = `name = "${WORKER}"
main = "src/index.ts"
compatibility_date = "2025-01-01"
`;
const source = (version: string) => `export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const n = url.searchParams.get('n') ?? '0';
    console.log('call', n);
    if (url.pathname === '/warn') console.warn('careful', n, ${JSON.stringify(version)});
    if (url.pathname === '/boom') throw new Error(\`boom \${n}\`);
    return new Response(\`ok \${n}\`);
  },
};
`;

let platform: RunningPlatform;
let admin: AdminClient;
let dir: string;
let workerUrl: string;
const open: LogTail[] = [];

async function deploy(version: string) {
  await writeFile(join(dir, 'src/index.ts'), source(version));
  return admin.hosting.deploy(platform.projectId, dir);
}

async function call(path: string): Promise<number> {
  const res = await fetch(`${workerUrl}${path}`);
  await res.body?.cancel();
  return res.status;
}

/** The first line of each log: which call it was. */
const firstLines = (logs: InvocationLog[]) => logs.map((log) => log.lines[0]?.message);

/** The worker's listed logs once there are `count` (they are written in batches, off the answer). */
async function listed(count: number): Promise<InvocationLog[]> {
  let logs: InvocationLog[] = [];
  await expect
    .poll(
      async () => {
        logs = (await admin.hosting.logs.list(platform.projectId, WORKER)).data;
        return logs.length;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBeGreaterThanOrEqual(count);
  return logs;
}

interface Tailing {
  tail: LogTail;
  /** What the loop received so far. */
  logs: InvocationLog[];
  /** The `for await` loop: settles when the tail ends (rejects with its error). */
  ended: Promise<void>;
}

/**
 * A tail iterated by a `for await` loop in the background, breaking out after `breakAfter` logs;
 * resolved once the platform accepted it (rejected with its error when it refused).
 */
async function tailing(
  options: LogTailOptions & { projectId?: string; worker?: string; breakAfter?: number } = {},
): Promise<Tailing> {
  const {
    projectId = platform.projectId,
    worker = WORKER,
    breakAfter = Number.POSITIVE_INFINITY,
    ...tailOptions
  } = options;
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const tail = admin.hosting.logs.tail(projectId, worker, {
    ...tailOptions,
    onStateChange: (state) => state === 'open' && opened(),
  });
  open.push(tail);
  const logs: InvocationLog[] = [];
  const ended = (async () => {
    for await (const log of tail) {
      logs.push(log);
      if (logs.length >= breakAfter) break;
    }
  })();
  await Promise.race([isOpen, ended.then(() => expect.fail('the tail ended before it opened'))]);
  return { tail, logs, ended };
}

/** Opens one more tail, trying again while the platform still counts ten. */
async function nextTail(): Promise<Tailing> {
  let tail: Tailing | undefined;
  await expect
    .poll(
      async () => {
        tail = await tailing().catch(() => undefined);
        return tail !== undefined;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
  return tail!;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
  dir = await mkdtemp(join(tmpdir(), 'aerostack-logs-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'aerostack.toml'), TOML);
}, 120_000);
afterAll(async () => {
  for (const tail of open) tail.close();
  await platform?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('admin.hosting.logs', () => {
  let first: string;

  it('lists what each invocation printed and threw, newest first', async () => {
    const deployment = await deploy('v1');
    first = deployment.id;
    workerUrl = (await admin.hosting.workers.get(platform.projectId, WORKER)).url;
    expect(await call('/warn?n=1')).toBe(200);
    expect(await call('/boom?n=2')).toBe(500);

    const [boom, warn] = await listed(2);
    expect(warn).toMatchObject({ worker: WORKER, deploymentId: first, outcome: 'ok' });
    expect(warn!.lines.map((line) => [line.level, line.message])).toEqual([
      ['log', 'call 1'],
      ['warn', 'careful 1 v1'],
    ]);
    expect(boom).toMatchObject({ worker: WORKER, deploymentId: first, outcome: 'exception' });
    expect(boom!.lines[0]).toMatchObject({ level: 'log', message: 'call 2' });
    expect(boom!.lines.some((line) => line.level === 'error' && line.message.includes('boom 2'))).toBe(true);
    expect(Date.parse(boom!.at)).toBeGreaterThanOrEqual(Date.parse(warn!.at));
  }, 120_000);

  it('pages with a cursor, and narrows to one deployment', async () => {
    const one = await admin.hosting.logs.list(platform.projectId, WORKER, { limit: 1 });
    expect(firstLines(one.data)).toEqual(['call 2']);
    expect(one.nextCursor).toEqual(expect.any(String));
    const two = await admin.hosting.logs.list(platform.projectId, WORKER, {
      limit: 1,
      cursor: one.nextCursor!,
    });
    expect(firstLines(two.data)).toEqual(['call 1']);
    expect(two.nextCursor).toBeNull();

    const second = await deploy('v2');
    expect(await call('/?n=3')).toBe(200);
    await listed(3);
    const all: InvocationLog[] = [];
    for await (const log of admin.hosting.logs.listAll(platform.projectId, WORKER, { pageSize: 1 })) {
      all.push(log);
    }
    expect(firstLines(all)).toEqual(['call 3', 'call 2', 'call 1']);
    expect(all.map((log) => log.deploymentId)).toEqual([second.id, first, first]);

    const onlyFirst: InvocationLog[] = [];
    for await (const log of admin.hosting.logs.listAll(platform.projectId, WORKER, {
      deploymentId: first,
      pageSize: 1,
    })) {
      onlyFirst.push(log);
    }
    expect(firstLines(onlyFirst)).toEqual(['call 2', 'call 1']);
    const onlySecond = await admin.hosting.logs.list(platform.projectId, WORKER, { deploymentId: second.id });
    expect(firstLines(onlySecond.data)).toEqual(['call 3']);
  }, 120_000);

  it('tails invocations live as they end, and break closes the stream', async () => {
    const { logs, ended } = await tailing({ breakAfter: 2 });
    expect(await call('/?n=10')).toBe(200);
    expect(await call('/boom?n=11')).toBe(500);
    await ended;
    expect(firstLines(logs)).toEqual(['call 10', 'call 11']);
    expect(logs.map((log) => log.outcome)).toEqual(['ok', 'exception']);
    expect(logs[1]!.lines.some((line) => line.level === 'error' && line.message.includes('boom 11'))).toBe(
      true,
    );
    // The tail sees what the list keeps, as it keeps it.
    const kept = (await admin.hosting.logs.list(platform.projectId, WORKER, { limit: 2 })).data;
    expect(kept.map((log) => log.id).reverse()).toEqual(logs.map((log) => log.id));
  }, 120_000);

  it('an unknown, a malformed or another project’s worker is the platform’s problem', async () => {
    expect(await failure(admin.hosting.logs.list(platform.projectId, 'nobody'))).toMatchObject({
      code: 'hosting/worker-not-found',
      status: 404,
    });
    expect(await failure(tailing({ worker: 'nobody' }))).toMatchObject({
      code: 'hosting/worker-not-found',
      status: 404,
    });
    expect(await failure(admin.hosting.logs.list(platform.projectId, 'Not A Name'))).toMatchObject({
      code: 'request/invalid-parameters',
      status: 400,
    });
    const { project } = await admin.projects.create({ name: 'Other' });
    expect(await failure(admin.hosting.logs.list(project.id, WORKER))).toMatchObject({
      code: 'hosting/worker-not-found',
      status: 404,
    });
    expect(await failure(tailing({ projectId: project.id }))).toMatchObject({
      code: 'hosting/worker-not-found',
      status: 404,
    });
  }, 120_000);

  it('refuses an eleventh tail; break, abort and close() each free a place', async () => {
    const controller = new AbortController();
    const tails = [
      await tailing({ breakAfter: 1 }),
      await tailing({ signal: controller.signal }),
      await tailing(),
    ];
    for (let i = tails.length; i < 10; i++) tails.push(await tailing());
    expect(await failure(tailing())).toMatchObject({ code: 'hosting/too-many-tails', status: 429 });

    // One invocation reaches all ten; the first loop breaks out after it.
    expect(await call('/?n=20')).toBe(200);
    await tails[0]!.ended;
    await expect
      .poll(() => tails.every((t) => firstLines(t.logs)[0] === 'call 20'), { timeout: 20_000 })
      .toBe(true);
    const afterBreak = await nextTail();
    expect(await failure(tailing())).toMatchObject({ code: 'hosting/too-many-tails' });

    controller.abort();
    await tails[1]!.ended;
    const afterAbort = await nextTail();

    tails[2]!.tail.close();
    await tails[2]!.ended;
    expect(tails[2]!.tail.state).toBe('closed');
    const afterClose = await nextTail();

    // The new tails are live ones: the next invocation reaches them.
    expect(await call('/?n=21')).toBe(200);
    await expect
      .poll(() => [afterBreak, afterAbort, afterClose].map((t) => firstLines(t.logs).at(-1)), {
        timeout: 20_000,
      })
      .toEqual(['call 21', 'call 21', 'call 21']);
  }, 180_000);
});
