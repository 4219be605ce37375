import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import { decideChannel, decideRow, decideStatement, problemsOf } from './decide.js';
import * as store from './store.js';
import { type ChannelAction, type Decision, emptyRules, type Rules, type RulesUpdate } from './types.js';

/** The bus channel a save travels on: every worker and node drops the project's cached rules. */
export const RULES_CHANGED = 'rules.changed';
/** Bound on how long another node may still apply older rules if the bus message is lost. */
const CACHE_TTL_MS = 30_000;
/** Concurrent learning appends retry this often before giving up (the statement is still allowed). */
const LEARN_ATTEMPTS = 5;

function toRules(row: store.RulesVersionRow | undefined): Rules {
  if (!row) return emptyRules();
  const body = JSON.parse(row.document) as Omit<Rules, 'version' | 'updatedAt'>;
  return { version: row.version, updatedAt: row.created_at, ...body };
}

/**
 * Project rules: one versioned document per project, read through a cache that every save
 * invalidates on every worker and node, and the decisions other modules ask of it.
 */
export function createRulesService(services: Services) {
  const db = tables<store.RulesTables>(services.database);
  const cache = createLookupCache<Rules>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(RULES_CHANGED, (message) => {
    cache.invalidate([(message as { projectId: string }).projectId]);
  });

  const current = async (projectId: string): Promise<Rules> =>
    (await cache.load(projectId, async () => toRules(await store.currentVersion(db, projectId))))!;

  /** Saves `update` as version `update.version + 1`, or answers null when that version exists. */
  async function save(projectId: string, update: RulesUpdate): Promise<Rules | null> {
    const { version, ...body } = update;
    const row = {
      project_id: projectId,
      version: version + 1,
      document: JSON.stringify({
        channels: body.channels,
        statements: body.statements,
        tables: body.tables,
        learning: body.learning,
      }),
      created_at: isoNow(),
    };
    const existing = await store.currentVersion(db, projectId);
    if ((existing?.version ?? 0) !== version || !(await store.insertVersion(db, row))) return null;
    cache.invalidate([projectId]);
    await services.bus.publish(RULES_CHANGED, { projectId });
    return toRules(row);
  }

  /** Learning mode: appends `sql` to the allow-list as the caller's access level. */
  async function learn(principal: Principal, projectId: string, sql: string): Promise<void> {
    const access = principal.scheme === 'userSession' ? 'authenticated' : 'public';
    for (let attempt = 0; attempt < LEARN_ATTEMPTS; attempt++) {
      const rules = toRules(await store.currentVersion(db, projectId));
      if (!rules.learning) return;
      if (decideStatement(rules, principal, sql).learn === false) return; // learnt meanwhile
      const { updatedAt: _, ...update } = rules;
      if (
        await save(projectId, { ...update, statements: [...rules.statements, { sql: sql.trim(), access }] })
      )
        return;
    }
    services.logger.warn('rules: could not record a learnt statement', { projectId });
  }

  return {
    get: current,

    /** Replaces the rules; 409 when `update.version` is not the current version. */
    async update(projectId: string, update: RulesUpdate): Promise<Rules> {
      const problem = problemsOf(update);
      if (problem) throw new ApiError('rules/invalid', problem);
      const saved = await save(projectId, update);
      if (!saved) {
        const now = (await store.currentVersion(db, projectId))?.version ?? 0;
        throw new ApiError(
          'rules/version-conflict',
          `The rules are at version ${now}; this update replaces version ${update.version}. Read them again.`,
        );
      }
      return saved;
    },

    /** May `principal` subscribe / publish / track presence on `channel`? */
    async channel(principal: Principal, channel: string, action: ChannelAction): Promise<Decision> {
      return decideChannel(await current(principal.projectId!), principal, channel, action);
    },

    /**
     * May `principal` run `sql`? `userIdParam` names the reserved parameter the statement uses (the
     * caller binds it to the user id). In learning mode an unknown statement is allowed and recorded.
     */
    async statement(principal: Principal, sql: string): Promise<Decision & { userIdParam: string | null }> {
      const projectId = principal.projectId!;
      const { learn: unknown, ...decision } = decideStatement(await current(projectId), principal, sql);
      if (unknown) await learn(principal, projectId, sql);
      return decision;
    },

    /** May `principal` see a change event of `table` about `row`? */
    async row(principal: Principal, table: string, row: Record<string, unknown>): Promise<boolean> {
      return decideRow(await current(principal.projectId!), principal, table, row);
    },

    close: unsubscribe,
  };
}

export type RulesService = ReturnType<typeof createRulesService>;
