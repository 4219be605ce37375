import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { holdUntilRacing } from './support/pg-hold.js';

// Moves and copies that cross (a → b while b → a), on every metadata backend: each pair ends as
// one serial order of its two writes would have left it, and neither answers 500. On PostgreSQL a
// trigger holds the first write where the two used to collide (a move's delete of its source, a
// copy's commit) until the second has come as far as it can, so the interleaving is forced rather
// than hoped for (decision 0046).

interface Op {
  kind: 'move' | 'copy';
  from: string;
  to: string;
}
/** Key → content; null when absent. */
type State = Record<string, string | null>;

/** What `ops` run one after the other do to `state`: the answers' statuses and the end state. */
function serially(state: State, ops: Op[]): { statuses: number[]; state: State } {
  const next = { ...state };
  const statuses = ops.map((op) => {
    const content = next[op.from] ?? null;
    if (content === null) return 404;
    next[op.to] = content;
    if (op.kind === 'move' && op.to !== op.from) next[op.from] = null;
    return 200;
  });
  return { statuses, state: next };
}

describe.each(BACKENDS)('crossing storage writes on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());

  async function put(key: string, content: string): Promise<void> {
    const res = await t.platform.app.request(`/v1/storage/objects/${key}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${t.keys.secretKey}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
    expect(res.status, await res.text()).toBe(200);
  }
  async function contents(keys: string[]): Promise<State> {
    const read = async (key: string) => {
      const res = await t.platform.app.request(`/v1/storage/objects/${key}`, {
        headers: { authorization: `Bearer ${t.keys.secretKey}` },
      });
      const text = await res.text();
      if (res.status === 404) return null;
      expect(res.status, text).toBe(200);
      return text;
    };
    return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await read(k)])));
  }
  const run = (op: Op) =>
    t.call({
      method: 'POST',
      path: `/v1/storage/${op.kind}`,
      auth: t.keys.secretKey,
      body: { sourceKey: op.from, destinationKey: op.to },
    });

  /** Runs the pair `ops` at once (through `start`), then checks it ended as one of its serial orders. */
  async function crossing(
    ops: [Op, Op],
    start: (both: () => Promise<unknown>) => Promise<unknown> = (both) => both(),
  ): Promise<void> {
    const keys = [ops[0].from, ops[0].to];
    const before = Object.fromEntries(keys.map((k) => [k, `${k} at first`]));
    for (const k of keys) await put(k, before[k]!);
    let answers: Awaited<ReturnType<typeof run>>[] = [];
    await start(async () => {
      answers = await Promise.all(ops.map(run));
    });
    const seen = { statuses: answers.map((a) => a.status), state: await contents(keys) };
    const orders = [serially(before, ops), serially(before, [ops[1], ops[0]])].map((o, i) => ({
      statuses: i === 0 ? o.statuses : [o.statuses[1], o.statuses[0]],
      state: o.state,
    }));
    expect(orders, JSON.stringify(answers.map((a) => a.json))).toContainEqual(seen);
  }

  /** On PostgreSQL, holds the pair's deletes from `table` until both writes wait (SQLite: one writer at a time). */
  const holdAt = (table: string) => (both: () => Promise<unknown>) => {
    const url = t.platform.services.config.databaseUrl;
    return url ? holdUntilRacing(url, table, 'DELETE', 2, both) : both();
  };

  it('moves a → b and b → a at once: both land, as one after the other', async () => {
    // Held where two moves used to deadlock: each has deleted (so holds) its source before either
    // writes its destination.
    await crossing(
      [
        { kind: 'move', from: 'mm-a', to: 'mm-b' },
        { kind: 'move', from: 'mm-b', to: 'mm-a' },
      ],
      holdAt('storage_objects'),
    );
  });

  it('copies a → b and b → a over each other at once: both land, as one after the other', async () => {
    // Held where two copies used to swap the objects: both have copied before either commits.
    await crossing(
      [
        { kind: 'copy', from: 'cc-a', to: 'cc-b' },
        { kind: 'copy', from: 'cc-b', to: 'cc-a' },
      ],
      holdAt('storage_uploads'),
    );
  });

  it('ends every crossing pair of moves and copies as a serial order would, the usage exact', async () => {
    const kinds: Array<[Op['kind'], Op['kind']]> = [
      ['move', 'move'],
      ['copy', 'copy'],
      ['move', 'copy'],
      ['copy', 'move'],
    ];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        kinds.map(([first, second], i) =>
          crossing([
            { kind: first, from: `free-${round}-${i}-a`, to: `free-${round}-${i}-b` },
            { kind: second, from: `free-${round}-${i}-b`, to: `free-${round}-${i}-a` },
          ]),
        ),
      );
    }
    const { storage } = t.platform.services;
    expect(await storage.usedBytes(t.keys.projectId)).toBe(await storage.storedBytes(t.keys.projectId));
  });
});
