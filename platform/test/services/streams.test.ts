import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, tables } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import {
  createStreamRegistry,
  LEASE_MS,
  migrations,
  RENEW_MS,
  type StreamRegistry,
  type StreamTables,
} from '../../src/services/streams/index.js';
import { holdUntilRacing } from '../support/pg-hold.js';
import { DATABASE_BACKENDS } from './support/vault-database.js';

// The registry of open streams (decision 0045) on every metadata engine, as two workers (or nodes)
// each with its own connection to the platform database and one clock the test moves.

describe.each(DATABASE_BACKENDS)('open streams on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  const databases: Database[] = [];
  const registries: StreamRegistry[] = [];
  let now = Date.now();
  const clock = () => now;

  /** A worker: its own connection to the platform database, its registry on the test's clock. */
  async function worker(): Promise<{ registry: StreamRegistry; database: Database }> {
    const database = await openDatabase({ ...stores, migrations });
    databases.push(database);
    const registry = createStreamRegistry(database, createLogger('silent'), clock);
    registries.push(registry);
    return { registry, database };
  }

  /** The ids recorded against `scope`, lapsed or not. */
  const recorded = async (database: Database, scope: string) =>
    (
      await tables<StreamTables>(database)
        .selectFrom('open_streams')
        .select('id')
        .where('scope', '=', scope)
        .execute()
    )
      .map((r) => r.id)
      .sort();

  beforeAll(async () => {
    stores = await backend.create();
  });
  afterEach(() => {
    for (const registry of registries.splice(0)) registry.close();
  });
  afterAll(async () => {
    for (const database of databases) await database.close();
    await stores?.cleanup();
  });

  it('stops counting the streams of a worker that died without closing them once their lease lapses', async () => {
    const scope = 'gateway-token:crash';
    const crashed = await worker();
    const alive = await worker();
    const lost = [
      await crashed.registry.open(scope, 'notify', 3),
      await crashed.registry.open(scope, 'notify', 3),
    ];
    const kept = await alive.registry.open(scope, 'notify', 3);
    expect([...lost, kept].every(Boolean)).toBe(true);
    expect(await alive.registry.open(scope, 'notify', 3)).toBeNull();

    // The crashed worker never closes its streams nor renews them again; the live one renews on its timer.
    crashed.registry.close();
    now += 2 * RENEW_MS;
    await alive.registry.renew();
    expect(await alive.registry.open(scope, 'notify', 3)).toBeNull(); // still within the lease
    expect(await alive.registry.find(lost[0]!.id)).not.toBeNull();

    now += LEASE_MS - 2 * RENEW_MS + 1;
    expect(await alive.registry.find(lost[0]!.id)).toBeNull();
    expect(await alive.registry.find(kept!.id)).toEqual({ scope, kind: 'notify' }); // renewed: still live
    const freed = [
      await alive.registry.open(scope, 'notify', 3),
      await alive.registry.open(scope, 'notify', 3),
    ];
    expect(freed.every(Boolean)).toBe(true);
    expect(await alive.registry.open(scope, 'notify', 3)).toBeNull();

    // The next renewal sweeps the lapsed records away.
    await alive.registry.renew();
    expect(await recorded(alive.database, scope)).toEqual([kept!.id, ...freed.map((s) => s!.id)].sort());
  });

  /**
   * Runs `opens` so that on PostgreSQL they all count before any inserts: a trigger holds each row
   * they insert on a lock the test holds until `racing` sessions wait, then all go at once (run
   * freely, opens overlap in one round of several). SQLite has one writer at a time: nothing to hold.
   */
  function allAtOnce<T>(racing: number, opens: () => Promise<T>): Promise<T> {
    if (!stores.databaseUrl) return opens();
    return holdUntilRacing(stores.databaseUrl, 'open_streams', 'INSERT', racing, opens);
  }

  it('lets exactly the cap of many concurrent opens through, from two workers at once', async () => {
    const workers = [await worker(), await worker()];
    const cap = 3;
    const scope = 'realtime:race';
    // Fewer opens than the two workers' connections, so that every one is in flight at once.
    const racing = 12;
    const opened = await allAtOnce(racing, () =>
      Promise.all(
        Array.from({ length: racing }, (_, i) => workers[i % 2]!.registry.open(scope, 'realtime', cap)),
      ),
    );
    expect(opened.filter(Boolean)).toHaveLength(cap);
    expect(await recorded(workers[0]!.database, scope)).toHaveLength(cap);
  });
});
