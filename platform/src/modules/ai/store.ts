import { sql } from 'kysely';
import { type Database, tables } from '../../db/database.js';
import { onePage, type Position } from '../../lib/cursor.js';

export interface AiTables {
  ai_usage: {
    project_id: string;
    day: string;
    bucket: string;
    key_id: string | null;
    user_id: string | null;
    model: string;
    requests: number;
    input_tokens: number;
    output_tokens: number;
  };
}

export interface UsageRecord {
  projectId: string;
  keyId: string | null;
  userId: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageFilter {
  since?: string | undefined;
  until?: string | undefined;
  keyId?: string | undefined;
}

export type UsageRow = AiTables['ai_usage'];

/** The usage table: one row per project, UTC day, credential and model, added to atomically. */
export function createUsageStore(database: Database) {
  const db = tables<AiTables>(database);
  return {
    /** Adds one call's tokens (an upsert: concurrent calls from any worker or node all count). */
    async record(usage: UsageRecord, now = new Date()): Promise<void> {
      const day = now.toISOString().slice(0, 10);
      await db
        .insertInto('ai_usage')
        .values({
          project_id: usage.projectId,
          day,
          bucket: `${usage.keyId ?? ''}|${usage.userId ?? ''}|${usage.model}`,
          key_id: usage.keyId,
          user_id: usage.userId,
          model: usage.model,
          requests: 1,
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
        })
        .onConflict((oc) =>
          oc.columns(['project_id', 'day', 'bucket']).doUpdateSet({
            requests: sql`ai_usage.requests + 1`,
            input_tokens: sql`ai_usage.input_tokens + excluded.input_tokens`,
            output_tokens: sql`ai_usage.output_tokens + excluded.output_tokens`,
          }),
        )
        .execute();
    },

    /** One page of a project's rows in (day, bucket) order, limit + 1 rows (see `onePage`). */
    async list(projectId: string, filter: UsageFilter, position: Position | null, limit: number) {
      let query = db.selectFrom('ai_usage').selectAll().where('project_id', '=', projectId);
      if (filter.since) query = query.where('day', '>=', filter.since);
      if (filter.until) query = query.where('day', '<=', filter.until);
      if (filter.keyId) query = query.where('key_id', '=', filter.keyId);
      return await onePage(query, position, limit, { columns: ['day', 'bucket'] }).execute();
    },
  };
}

export type UsageStore = ReturnType<typeof createUsageStore>;
