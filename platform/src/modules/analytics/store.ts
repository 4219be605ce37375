import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Dialect } from '../../db/database.js';

/** One row per gateway `tools/call`, and one counter per workspace and UTC month. */
export interface AnalyticsTables {
  gateway_calls: {
    id: string;
    workspace_id: string;
    member_id: string | null;
    token_id: string | null;
    server_id: string | null;
    /** The server's slug and the upstream's own tool name, as they were at call time. */
    server: string;
    tool: string;
    /** Epoch milliseconds. */
    started_at: number;
    duration_ms: number;
    status: 'ok' | 'error';
    error_code: string | null;
  };
  gateway_usage: {
    workspace_id: string;
    /** `YYYY-MM`, UTC. */
    month: string;
    calls: number;
  };
}
export type CallRow = AnalyticsTables['gateway_calls'];
type Db = Kysely<AnalyticsTables>;

/** Which calls a query reads: one workspace, `[from, to)` in epoch ms, and optional equalities. */
export interface CallFilter {
  workspaceId: string;
  from: number | null;
  to: number | null;
  memberId?: string | undefined;
  server?: string | undefined;
  tool?: string | undefined;
  status?: CallRow['status'] | undefined;
}

export type GroupBy = 'member' | 'server' | 'tool';

/** Counts and nearest-rank percentiles of a set of calls (p50 / p95 null when it is empty). */
export interface StatsRow {
  calls: number;
  errors: number;
  p50: number | null;
  p95: number | null;
}

/** A group's stats: `key` is the member id, the server slug or the tool name (then `server` is its server). */
export type GroupStatsRow = StatsRow & { key: string | null; server: string | null };

const CALL_COLUMNS = [
  'id',
  'workspace_id',
  'member_id',
  'token_id',
  'server_id',
  'server',
  'tool',
  'started_at',
  'duration_ms',
  'status',
  'error_code',
] as const satisfies readonly (keyof CallRow)[];
const insertTexts = new Map<string, string>();

/** `insert into gateway_calls … values (…), …` for `rows` rows, in the dialect's placeholders. */
function insertText(dialect: Dialect, rows: number): string {
  const key = `${dialect} ${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    let n = 0;
    const tuple = () => `(${CALL_COLUMNS.map(() => (dialect === 'postgres' ? `$${++n}` : '?')).join(', ')})`;
    text = `insert into "gateway_calls" (${CALL_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, tuple).join(', ')}`;
    insertTexts.set(key, text);
  }
  return text;
}

/**
 * Inserts calls in one statement. Its text is built once per row count (the recorder writes in
 * chunks of 2^k rows) and its parameters are the rows' values in column order: Kysely's insert
 * builder would build and compile a tree of every value of every row on each write, which cost
 * more than SQLite's own work on the gateway's hot path.
 */
export async function insertCalls(db: Db, rows: CallRow[], dialect: Dialect): Promise<void> {
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of CALL_COLUMNS) parameters.push(row[column]);
  await db.executeQuery(CompiledQuery.raw(insertText(dialect, rows.length), parameters));
}

/** Adds `calls` to each workspace's counter of its month, in one statement. */
export async function addUsage(db: Db, rows: AnalyticsTables['gateway_usage'][]): Promise<void> {
  await db
    .insertInto('gateway_usage')
    .values(rows)
    .onConflict((c) =>
      c.columns(['workspace_id', 'month']).doUpdateSet({ calls: sql`gateway_usage.calls + excluded.calls` }),
    )
    .execute();
}

/**
 * Counts one call in `month` unless the counter has reached `limit`, in one statement: the upsert
 * locks the counter's row (PostgreSQL re-checks the condition on the row it locked; SQLite has one
 * writer), so two concurrent callers can never both take the last call. Answers whether it counted.
 */
export async function reserve(db: Db, workspaceId: string, month: string, limit: number): Promise<boolean> {
  const row = await db
    .insertInto('gateway_usage')
    .values({ workspace_id: workspaceId, month, calls: 1 })
    .onConflict((c) =>
      c
        .columns(['workspace_id', 'month'])
        .doUpdateSet({ calls: sql`gateway_usage.calls + 1` })
        .where('gateway_usage.calls', '<', limit),
    )
    .returning('calls')
    .executeTakeFirst();
  return row !== undefined;
}

export async function usage(db: Db, workspaceId: string, month: string): Promise<number> {
  const row = await db
    .selectFrom('gateway_usage')
    .select('calls')
    .where('workspace_id', '=', workspaceId)
    .where('month', '=', month)
    .executeTakeFirst();
  return row?.calls ?? 0;
}

/** How many calls match `f`, counting no further than `max + 1` (the cost stays bounded). */
export async function countUpTo(db: Db, f: CallFilter, max: number): Promise<number> {
  const capped = filtered(db, f)
    .select(sql.lit(1).as('one'))
    .limit(max + 1);
  const row = await db
    .selectFrom(capped.as('capped'))
    .select(sql<number>`COUNT(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function filtered(db: Db, f: CallFilter) {
  let query = db.selectFrom('gateway_calls').where('workspace_id', '=', f.workspaceId);
  if (f.from !== null) query = query.where('started_at', '>=', f.from);
  if (f.to !== null) query = query.where('started_at', '<', f.to);
  if (f.memberId !== undefined) query = query.where('member_id', '=', f.memberId);
  if (f.server !== undefined) query = query.where('server', '=', f.server);
  if (f.tool !== undefined) query = query.where('tool', '=', f.tool);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  return query;
}

/** `limit + 1` calls matching `f`, newest first, strictly before `before` in (started_at, id) order. */
export async function listCalls(
  db: Db,
  f: CallFilter,
  before: { startedAt: number; id: string } | null,
  limit: number,
): Promise<CallRow[]> {
  return filtered(db, f)
    .selectAll()
    .$if(before !== null, (q) =>
      q.where(sql<boolean>`(started_at, id) < (${before!.startedAt}, ${before!.id})`),
    )
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

const GROUP_COLUMNS: Record<GroupBy, string[]> = {
  member: ['member_id'],
  server: ['server'],
  // A tool is named by its server too: two servers' `search` tools are two groups.
  tool: ['server', 'tool'],
};

/**
 * Counts, errors and the nearest-rank p50 / p95 of `duration_ms`, computed by the database in one
 * pass over the range (window functions, which SQLite and PostgreSQL both have): within each
 * group the calls are ranked by duration, and the p-th percentile is the duration at rank
 * ⌈p·n/100⌉, i.e. the smallest duration whose rank r satisfies r·100 ≥ p·n (integers, no rounding).
 */
function statsQuery(db: Db, f: CallFilter, columns: string[]) {
  const keys = columns.map((c) => sql.ref(c));
  const partition = keys.length ? sql`PARTITION BY ${sql.join(keys)}` : sql``;
  const ranked = filtered(db, f).select([
    ...columns.map((c) => sql.ref(c).as(c)),
    'duration_ms',
    'status',
    sql<number>`ROW_NUMBER() OVER (${partition} ORDER BY duration_ms)`.as('rn'),
    sql<number>`COUNT(*) OVER (${partition})`.as('n'),
  ]);
  const percentile = (p: number): RawBuilder<number | null> =>
    sql`MIN(CASE WHEN rn * 100 >= n * ${sql.lit(p)} THEN duration_ms END)`;
  return db
    .selectFrom(ranked.as('ranked'))
    .select([
      ...columns.map((c) => sql.ref(c).as(c)),
      sql<number>`COUNT(*)`.as('calls'),
      sql<number | null>`SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END)`.as('errors'),
      percentile(50).as('p50'),
      percentile(95).as('p95'),
    ]);
}

type RawStats = { calls: number; errors: number | null; p50: number | null; p95: number | null };

function toStats(row: RawStats): StatsRow {
  // PostgreSQL's COUNT and SUM are bigints (parsed as numbers); SUM over no rows is null.
  return { calls: Number(row.calls), errors: Number(row.errors ?? 0), p50: row.p50, p95: row.p95 };
}

export async function totalStats(db: Db, f: CallFilter): Promise<StatsRow> {
  return toStats((await statsQuery(db, f, []).executeTakeFirstOrThrow()) as RawStats);
}

/** The stats of each group, at most `limit` groups with the most calls. */
export async function groupStats(
  db: Db,
  f: CallFilter,
  groupBy: GroupBy,
  limit: number,
): Promise<GroupStatsRow[]> {
  const columns = GROUP_COLUMNS[groupBy];
  const refs = columns.map((c) => sql.ref(c));
  const rows = (await statsQuery(db, f, columns)
    .groupBy(refs)
    .orderBy(sql`COUNT(*)`, 'desc')
    .orderBy(sql.join(refs))
    .limit(limit)
    .execute()) as Array<Record<string, unknown> & RawStats>;
  return rows.map((row) => ({
    key: (groupBy === 'member' ? row.member_id : groupBy === 'server' ? row.server : row.tool) as
      | string
      | null,
    server: groupBy === 'tool' ? (row.server as string) : null,
    ...toStats(row),
  }));
}
