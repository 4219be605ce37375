import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

export type AuditAction = components['schemas']['AuditAction'];
type AuditEvent = components['schemas']['AuditEvent'];

export interface AuditEntry {
  workspaceId: string;
  actor: Principal;
  action: AuditAction;
  /** What was acted on: a member, token or server id, or a secret name. */
  target?: string | null;
  /** What changed; never a secret value or a token secret. */
  details?: Record<string, unknown>;
}

/** The audit actor of a principal: the account key, or a member through one of their tokens. */
function actorOf(principal: Principal) {
  if (principal.memberId) {
    return {
      actor_type: 'member' as const,
      actor_id: principal.memberId,
      actor_token_id: principal.credentialId,
    };
  }
  if (!principal.accountId) throw new Error(`a ${principal.scheme} principal cannot act on a workspace`);
  return { actor_type: 'account' as const, actor_id: principal.accountId, actor_token_id: null };
}

export function toAuditEvent(row: store.AuditRow): AuditEvent {
  return {
    id: row.id,
    action: row.action as AuditAction,
    actor: { type: row.actor_type, id: row.actor_id, tokenId: row.actor_token_id },
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

/** The audit log of workspaces' administrative changes. */
export function createAudit(services: Services) {
  const db = tables<store.WorkspacesTables>(services.database);
  return {
    /**
     * Records `entry`; pass the transaction of the change (`tx`) so the change and its record
     * commit together or not at all.
     */
    async record(entry: AuditEntry, tx?: store.Db): Promise<void> {
      await store.insertAudit(tx ?? db, {
        id: newId('aud'),
        workspace_id: entry.workspaceId,
        action: entry.action,
        ...actorOf(entry.actor),
        target: entry.target ?? null,
        details: JSON.stringify(entry.details ?? {}),
        // Listed newest first by (created_at, id): isoNow never repeats a millisecond within this
        // process, so one request's events (a role change, then a rename) keep their order.
        created_at: isoNow(),
      });
    },

    list: (workspaceId: string, position: Position | null, limit: number) =>
      store.listAudit(db, workspaceId, position, limit),
  };
}

export type Audit = ReturnType<typeof createAudit>;
