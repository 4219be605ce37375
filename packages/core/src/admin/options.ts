import type { RequestOptions } from '../client/options';

/**
 * Options of the list methods: one page of at most `limit` items after `cursor`.
 *
 * @example
 * const page = await admin.projects.list({ limit: 20, cursor: previous.nextCursor ?? undefined });
 */
export interface ListOptions extends RequestOptions {
  /** How many items to return (1–1000, default 50). */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/**
 * Options of the `listAll` iterators.
 *
 * @example
 * for await (const project of admin.projects.listAll({ pageSize: 200 })) console.log(project.id);
 */
export interface ListAllOptions extends RequestOptions {
  /** Items fetched per request (1–1000, default 50). */
  pageSize?: number | undefined;
}

/**
 * Options of creating calls. They are always sent with an `Idempotency-Key` (generated when
 * you give none), so retries after a lost response never create twice.
 *
 * @example
 * await admin.projects.create({ name: 'Shop' }, { idempotencyKey: `create-shop-${orderId}` });
 */
export interface CreateOptions extends RequestOptions {
  /** Reuse the same key to make a repeat of this call return the first result. */
  idempotencyKey?: string | undefined;
}

export function listQuery(options: ListOptions): { limit?: number; cursor?: string } {
  const query: { limit?: number; cursor?: string } = {};
  if (options.limit !== undefined) query.limit = options.limit;
  if (options.cursor !== undefined) query.cursor = options.cursor;
  return query;
}
