import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { encodeCursor, positionOf } from '../../lib/cursor.js';
import type { Services } from '../../services.js';
import { rangeOf, summaryRangeOf } from './range.js';
import { type CallEvent, createRecorder } from './recorder.js';
import * as store from './store.js';

type GatewayCall = components['schemas']['GatewayCall'];
type CallStats = components['schemas']['CallStats'];

/** Most groups one summary returns (the ones with the most calls). */
const MAX_GROUPS = 1000;
/**
 * Most calls one summary ranks. The database ranks them (nothing of the rows comes here), but the
 * work grows with the rows — about half a second per 100 000 on SQLite on a 2-core machine, where
 * it blocks the worker — so a busier range is refused rather than served slowly.
 */
const MAX_SUMMARY_CALLS = 100_000;

export interface AnalyticsOptions {
  /** The clock (epoch ms): tests move it across a month's end. */
  now?: () => number;
  maxSummaryCalls?: number;
  flushMs?: number;
  batchSize?: number;
  maxPending?: number;
}

export interface CallQuery {
  from?: string;
  to?: string;
  memberId?: string;
  server?: string;
  tool?: string;
  status?: 'ok' | 'error';
}

/** `YYYY-MM` of `at` (epoch ms), UTC: the month a call counts in. */
function monthOf(at: number): string {
  // Every call asks; the answer changes once a month.
  if (at >= month.from && at < month.to) return month.text;
  const d = new Date(at);
  const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  month = {
    from,
    to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    text: d.toISOString().slice(0, 7),
  };
  return month.text;
}
let month = { from: 0, to: 0, text: '' };

function toGatewayCall(row: store.CallRow): GatewayCall {
  return {
    id: row.id,
    memberId: row.member_id,
    tokenId: row.token_id,
    server: row.server,
    tool: row.tool,
    startedAt: new Date(row.started_at).toISOString(),
    durationMs: row.duration_ms,
    status: row.status,
    errorCode: row.error_code,
  };
}

function toCallStats(row: store.StatsRow): CallStats {
  return {
    calls: row.calls,
    errors: row.errors,
    errorRate: row.calls === 0 ? 0 : row.errors / row.calls,
    p50Ms: row.p50,
    p95Ms: row.p95,
  };
}

/** The position a listing cursor names: the (startedAt, id) of the last call of the previous page. */
function beforeOf(cursor: string | undefined): { startedAt: number; id: string } | null {
  const position = positionOf(cursor);
  if (!position) return null;
  const startedAt = Date.parse(position.createdAt);
  if (Number.isNaN(startedAt)) {
    throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this API.', {
      errors: [{ location: 'query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return { startedAt, id: position.id };
}

/** Groups in a stable order on both engines (their text collations differ): calls desc, then key, server. */
function byCallsThenKey(a: store.GroupStatsRow, b: store.GroupStatsRow): number {
  const text = (x: string | null, y: string | null) =>
    x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
  return b.calls - a.calls || text(a.key, b.key) || text(a.server, b.server);
}

/**
 * Gateway analytics: one row per `tools/call`, buffered and written in batches off the request
 * path; a per-workspace counter of the month's calls that enforces the monthly limit atomically;
 * and the queries of the admin API.
 */
export function createAnalyticsService(services: Services, options: AnalyticsOptions = {}) {
  const db = tables<store.AnalyticsTables>(services.database);
  const now = options.now ?? Date.now;
  const maxSummaryCalls = options.maxSummaryCalls ?? MAX_SUMMARY_CALLS;
  const recorder = createRecorder(db, services.logger, {
    dialect: services.database.dialect,
    flushMs: options.flushMs ?? 500,
    batchSize: options.batchSize ?? 200,
    maxPending: options.maxPending ?? 20_000,
  });

  return {
    /** Records one call (written within `flushMs`); never throws, never waits. */
    record: (event: CallEvent): void => recorder.record(event),

    /**
     * Counts a call in this UTC month, or answers false (not counted) when the workspace has
     * reached `callsPerMonth`; 0 means no limit, and then the count is written with the next batch.
     */
    async reserveCall(workspaceId: string, callsPerMonth: number): Promise<boolean> {
      const month = monthOf(now());
      if (callsPerMonth === 0) {
        recorder.count(workspaceId, month);
        return true;
      }
      return store.reserve(db, workspaceId, month, callsPerMonth);
    },

    /** Writes every buffered call and count now. */
    flush: () => recorder.flush(),

    async calls(workspaceId: string, query: CallQuery, cursor: string | undefined, limit: number) {
      const filter = { workspaceId, ...query, ...rangeOf(query.from, query.to) };
      const rows = await store.listCalls(db, filter, beforeOf(cursor), limit);
      const data = rows.slice(0, limit);
      const last = data[data.length - 1];
      return {
        data: data.map(toGatewayCall),
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({ createdAt: new Date(last.started_at).toISOString(), id: last.id })
            : null,
      };
    },

    async summary(workspaceId: string, query: { from?: string; to?: string; groupBy?: store.GroupBy }) {
      const range = summaryRangeOf(query.from, query.to, now());
      const filter = { workspaceId, ...range };
      // One snapshot (SQLite's read transaction, PostgreSQL's repeatable read): the count, the
      // total and the groups see the same calls, even with calls arriving during the summary.
      const stats = await db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx) => {
          if ((await store.countUpTo(tx, filter, maxSummaryCalls)) > maxSummaryCalls) return null;
          const total = await store.totalStats(tx, filter);
          const groups = query.groupBy ? await store.groupStats(tx, filter, query.groupBy, MAX_GROUPS) : [];
          return { total, groups };
        });
      if (!stats) {
        throw new ApiError(
          'analytics/range-too-large',
          `The range holds more than ${maxSummaryCalls} calls, the most one summary ranks; ask for a shorter range.`,
        );
      }
      const { total, groups } = stats;
      return {
        from: new Date(range.from).toISOString(),
        to: new Date(range.to).toISOString(),
        total: toCallStats(total),
        groups: groups.sort(byCallsThenKey).map(({ key, server, ...stats }) => ({
          key,
          ...(server === null ? {} : { server }),
          ...toCallStats(stats),
        })),
      };
    },

    /** This month's count and the limit in force (`callsPerMonth`, 0 = none). */
    async usage(workspaceId: string, callsPerMonth: number) {
      const month = monthOf(now());
      return {
        month,
        calls: await store.usage(db, workspaceId, month),
        limit: callsPerMonth === 0 ? null : callsPerMonth,
      };
    },

    close: () => recorder.close(),
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
export type { CallEvent };
