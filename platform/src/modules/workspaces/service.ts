import type { components } from '@aerostack/spec/types';
import { type Db, tables } from '../../db/database.js';
import { accountIdOf, type Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId, randomBase62 } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import { type AuditEntry, createAudit } from './audit.js';
import { createMembers } from './members.js';
import { createSecrets } from './secrets.js';
import * as store from './store.js';
import { TOKEN_SCHEME } from './token.js';
import { createTokens } from './tokens.js';

type Workspace = components['schemas']['Workspace'];
type WorkspaceCreate = components['schemas']['WorkspaceCreate'];
type WorkspaceUpdate = components['schemas']['WorkspaceUpdate'];
type LimitsInput = components['schemas']['WorkspaceLimitsInput'];

export interface WorkspaceRecord {
  id: string;
  accountId: string;
  slug: string;
  name: string;
  description: string | null;
  /** The workspace's own limits; null = the operator's default (`config.gateway`). */
  limits: { maxServers: number | null; callsPerMonth: number | null; requestsPerMinute: number | null };
  createdAt: string;
  updatedAt: string;
}

/** The limits in force: the workspace's own, else the operator's. `callsPerMonth` 0 = no limit. */
export interface EffectiveLimits {
  maxServers: number;
  callsPerMonth: number;
  requestsPerMinute: number;
}

/**
 * The bus channel a workspace update or deletion travels on, `{ workspaceId, slug, deleted }`
 * (`slug` is the one it had, which caches keyed by slug must drop).
 */
export const WORKSPACES_CHANGED = 'workspaces.changed';
const CACHE_TTL_MS = 30_000;
/** Attempts at a derived slug before giving up (each after the first with a random suffix). */
const SLUG_ATTEMPTS = 5;

export function toRecord(row: store.WorkspaceRow): WorkspaceRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    limits: {
      maxServers: row.max_servers,
      callsPerMonth: row.calls_per_month === null ? null : Number(row.calls_per_month),
      requestsPerMinute: row.requests_per_minute,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A slug from a name: `Acme Tools!` → `acme-tools`; `workspace` when nothing usable is left. */
export function slugFrom(name: string): string {
  const slug = name
    .normalize('NFKD') // `é` → `e` + a combining accent, dropped next
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
  return slug.length >= 2 ? slug : 'workspace';
}

const notFound = (workspaceId: string) =>
  new ApiError('workspaces/not-found', `No workspace ${workspaceId} that this credential may see.`);
const slugTaken = (slug: string) =>
  new ApiError('workspaces/slug-taken', `Another workspace has the slug "${slug}"; choose another.`);

/** The columns a limits input changes (a field left out is unchanged; null resets it). */
function limitColumns(limits: LimitsInput | undefined): Partial<store.WorkspaceRow> {
  if (!limits) return {};
  return {
    ...(limits.maxServers !== undefined ? { max_servers: limits.maxServers } : {}),
    ...(limits.callsPerMonth !== undefined ? { calls_per_month: limits.callsPerMonth } : {}),
    ...(limits.requestsPerMinute !== undefined ? { requests_per_minute: limits.requestsPerMinute } : {}),
  };
}

/**
 * MCP workspaces (decision 0034): their members, tokens, secrets, audit log and limits, and the
 * one authorization rule of every workspace operation (`authorizeAdmin`).
 */
export function createWorkspacesService(services: Services) {
  const db = tables<store.WorkspacesTables>(services.database);
  const { config } = services;
  const audit = createAudit(services);
  const tokens = createTokens(services, audit);
  const members = createMembers(services, audit, tokens);
  const secrets = createSecrets(services, audit);
  const records = createLookupCache<WorkspaceRecord>({ ttlMs: CACHE_TTL_MS, max: 10_000 });
  const unsubscribe = services.bus.subscribe(WORKSPACES_CHANGED, (message) => {
    const { workspaceId, slug } = message as { workspaceId: string; slug: string };
    records.invalidate([`id:${workspaceId}`, `slug:${slug}`]);
  });

  const find = async (column: 'id' | 'slug', value: string) =>
    records.load(`${column}:${value}`, async () => {
      const row = await store.findWorkspace(db, column, value);
      return row ? toRecord(row) : null;
    });

  async function changed(record: WorkspaceRecord, deleted: boolean): Promise<void> {
    records.invalidate([`id:${record.id}`, `slug:${record.slug}`]);
    await services.bus.publish(WORKSPACES_CHANGED, { workspaceId: record.id, slug: record.slug, deleted });
  }

  function limitsOf(ws: WorkspaceRecord): EffectiveLimits {
    return {
      maxServers: ws.limits.maxServers ?? config.gateway.maxServers,
      callsPerMonth: ws.limits.callsPerMonth ?? config.gateway.callsPerMonth,
      requestsPerMinute: ws.limits.requestsPerMinute ?? config.gateway.requestsPerMinute,
    };
  }

  /** Inserts the workspace under `slug`; false when the slug is taken. */
  async function insert(principal: Principal, row: store.WorkspaceRow): Promise<boolean> {
    return db.transaction().execute(async (tx) => {
      if (!(await store.insertWorkspace(tx, row))) return false;
      await audit.record(
        {
          workspaceId: row.id,
          actor: principal,
          action: 'workspace.created',
          details: { name: row.name, slug: row.slug },
        },
        tx,
      );
      return true;
    });
  }

  return {
    members,
    tokens,
    secrets,
    limitsOf,

    /** The workspace whose gateway URL is `/ws/{slug}` (per-worker cache, bus-invalidated). */
    bySlug: (slug: string) => find('slug', slug),
    byId: (id: string) => find('id', id),

    /**
     * The workspace, if `principal` may administer it: the owning account's key, or an admin
     * token of this very workspace. Another account's workspace, or a token of another
     * workspace, is 404 (existence is never revealed); a non-admin token of this one is 403.
     */
    async authorizeAdmin(principal: Principal, workspaceId: string): Promise<WorkspaceRecord> {
      if (principal.scheme === TOKEN_SCHEME) {
        if (principal.workspaceId !== workspaceId) throw notFound(workspaceId);
        if (principal.role !== 'admin') {
          throw new ApiError(
            'workspaces/forbidden',
            `Only the account key or an admin token manages the workspace; this token's role is ${principal.role}.`,
          );
        }
      }
      const ws = await find('id', workspaceId);
      if (!ws || (principal.scheme !== TOKEN_SCHEME && ws.accountId !== accountIdOf(principal))) {
        throw notFound(workspaceId);
      }
      return ws;
    },

    /** The plaintext values of the named secrets of the workspace (for the gateway only). */
    revealSecrets: (workspaceId: string, names: readonly string[]) => secrets.reveal(workspaceId, names),

    /** Records an administrative action; pass the change's transaction so both commit together. */
    audit: (entry: AuditEntry, tx?: Db) =>
      audit.record(entry, tx ? tables<store.WorkspacesTables>(tx) : undefined),
    auditList: audit.list,

    toWorkspace(ws: WorkspaceRecord): Workspace {
      return {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        description: ws.description,
        gatewayUrl: `${config.publicUrl}/ws/${ws.slug}`,
        limits: ws.limits,
        effectiveLimits: limitsOf(ws),
        createdAt: ws.createdAt,
        updatedAt: ws.updatedAt,
      };
    },

    list: (accountId: string, position: Position | null, limit: number) =>
      store.listWorkspaces(db, accountId, position, limit),

    /** Creates a workspace; without a slug, one derived from the name (suffixed when taken). */
    async create(principal: Principal, input: WorkspaceCreate): Promise<WorkspaceRecord> {
      const now = isoNow();
      const base = input.slug ?? slugFrom(input.name);
      for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
        const row: store.WorkspaceRow = {
          id: newId('wsp'),
          account_id: accountIdOf(principal),
          slug: attempt === 0 ? base : `${base}-${randomBase62(6).toLowerCase()}`,
          name: input.name,
          description: input.description ?? null,
          max_servers: null,
          calls_per_month: null,
          requests_per_minute: null,
          ...limitColumns(input.limits),
          created_at: now,
          updated_at: now,
        };
        if (await insert(principal, row)) return toRecord(row);
        if (input.slug !== undefined) throw slugTaken(input.slug);
      }
      throw slugTaken(base);
    },

    /** Applies `input`; slug and limits are the operator's (account key only). */
    async update(
      principal: Principal,
      ws: WorkspaceRecord,
      input: WorkspaceUpdate,
    ): Promise<WorkspaceRecord> {
      if (principal.scheme === TOKEN_SCHEME && (input.slug !== undefined || input.limits !== undefined)) {
        throw new ApiError(
          'workspaces/forbidden',
          'The slug and the limits of a workspace are changed with the account key only.',
        );
      }
      const changes: Partial<store.WorkspaceRow> = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.slug !== undefined ? { slug: input.slug } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...limitColumns(input.limits),
        updated_at: isoNow(),
      };
      const details: Record<string, unknown> = { ...input };
      if (input.slug !== undefined && input.slug !== ws.slug) details.previousSlug = ws.slug;
      let row: store.WorkspaceRow | undefined;
      try {
        row = await db.transaction().execute(async (tx) => {
          await store.updateWorkspace(tx, ws.id, changes);
          await audit.record(
            { workspaceId: ws.id, actor: principal, action: 'workspace.updated', details },
            tx,
          );
          return store.findWorkspace(tx, 'id', ws.id);
        });
      } catch (error) {
        if (store.isUniqueViolation(error) && input.slug !== undefined) throw slugTaken(input.slug);
        throw error;
      }
      await changed(ws, false);
      if (!row) throw notFound(ws.id); // deleted meanwhile
      return toRecord(row);
    },

    /** Deletes the workspace and everything of it; its tokens stop working everywhere first. */
    async delete(ws: WorkspaceRecord): Promise<void> {
      const hashes = await db.transaction().execute(async (tx) => {
        const hashes = await store.tokenHashes(tx, { workspaceId: ws.id });
        if (!(await store.deleteWorkspace(tx, ws.id))) throw notFound(ws.id);
        return hashes;
      });
      await tokens.forget(hashes);
      await changed(ws, true);
      await secrets.changed(ws.id);
    },

    close() {
      unsubscribe();
      tokens.close();
      secrets.close();
    },
  };
}

export type WorkspacesService = ReturnType<typeof createWorkspacesService>;
