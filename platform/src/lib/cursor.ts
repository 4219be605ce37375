import { type SelectQueryBuilder, sql } from 'kysely';
import { ApiError } from '../http/problem.js';

/** Opaque list cursors: the sort key of the last item of a page, base64url-encoded JSON. */
export interface Position {
  createdAt: string;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** The position a cursor names, or null when the cursor was not made by `encodeCursor`. */
export function decodeCursor(cursor: string): Position | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { createdAt: value[0] as string, id: value[1] as string };
    }
  } catch {
    // fall through: not ours
  }
  return null;
}

/** Splits `rows` (fetched with limit + 1) into a page and its next cursor. */
export function toPage<T extends Position>(
  rows: T[],
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** The position `cursor` names; a cursor this API did not issue is a 400. */
export function positionOf(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const decoded = decodeCursor(cursor);
  if (!decoded) {
    throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this API.', {
      errors: [{ location: 'query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return decoded;
}

/** A page of `rows` (fetched with limit + 1, each with `created_at` and `id`) mapped to API objects. */
export function pageOf<R extends { created_at: string; id: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
) {
  const page = toPage(
    rows.map((row) => ({ row, createdAt: row.created_at, id: row.id })),
    limit,
  );
  return { data: page.data.map((p) => map(p.row)), nextCursor: page.nextCursor };
}

/**
 * `query` narrowed to one page of a cursor list: the rows after `position` in (created_at, id)
 * order — before it when `newestFirst` — in that order, and one row more than `limit` so `pageOf`
 * can tell whether a next page exists. `columns` names the sort key when it is not
 * (created_at, id) of the only table (a join's alias, another unique column). Row values compare
 * the same way in SQLite and PostgreSQL.
 */
export function onePage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  position: Position | null,
  limit: number,
  {
    newestFirst = false,
    columns = ['created_at', 'id'],
  }: { newestFirst?: boolean; columns?: [string, string] } = {},
): SelectQueryBuilder<DB, TB, O> {
  const [first, second] = columns;
  const direction = newestFirst ? 'desc' : 'asc';
  const after = position
    ? sql<boolean>`(${sql.ref(first)}, ${sql.ref(second)}) ${sql.raw(newestFirst ? '<' : '>')} (${position.createdAt}, ${position.id})`
    : sql<boolean>`1 = 1`;
  return query
    .where(after)
    .orderBy(sql.ref(first), direction)
    .orderBy(sql.ref(second), direction)
    .limit(limit + 1);
}
