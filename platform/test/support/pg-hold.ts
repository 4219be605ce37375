import pg from 'pg';

/**
 * Runs `work` with every row it deletes from (or inserts into) `table` held, on the PostgreSQL
 * database at `databaseUrl`, until `racing` sessions of that database wait on a lock: one held in
 * the trigger, the others wherever it keeps them. Then all go at once. So a race the test means
 * happens every run, rather than in some rounds of many. A trigger of the test's own, dropped after.
 */
export async function holdUntilRacing<T>(
  databaseUrl: string,
  table: string,
  event: 'INSERT' | 'DELETE',
  racing: number,
  work: () => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`
    CREATE FUNCTION test_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      PERFORM pg_advisory_lock_shared(4545, 1); PERFORM pg_advisory_unlock_shared(4545, 1);
      RETURN COALESCE(NEW, OLD);
    END $$;
    CREATE TRIGGER test_hold BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION test_hold();
    SELECT pg_advisory_lock(4545, 1);
  `);
  try {
    const done = work();
    for (const deadline = Date.now() + 20_000; (await waitingSessions(client)) < racing; ) {
      if (Date.now() > deadline) throw new Error(`fewer than ${racing} sessions waiting`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await client.query('SELECT pg_advisory_unlock(4545, 1)');
    return await done;
  } finally {
    await client.query(
      `SELECT pg_advisory_unlock_all(); DROP TRIGGER test_hold ON ${table}; DROP FUNCTION test_hold`,
    );
    await client.end();
  }
}

/** Sessions of the client's database waiting on a lock (pg_locks is live; pg_stat_activity is per transaction). */
async function waitingSessions(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows[0]!.n;
}
