import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import type { Principal } from '../../http/auth/principal.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import type { Audit } from './audit.js';
import * as store from './store.js';
import { memberNotFound, type Tokens } from './tokens.js';

type Member = components['schemas']['Member'];
type MemberCreate = components['schemas']['MemberCreate'];
type MemberUpdate = components['schemas']['MemberUpdate'];

export function toMember(row: store.MemberRow): Member {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Members of a workspace. A token carries its member's role as read when it is verified, so a
 * role change or a removal drops the member's tokens from every cache before it answers.
 */
export function createMembers(services: Services, audit: Audit, tokens: Tokens) {
  const db = tables<store.WorkspacesTables>(services.database);

  async function existing(tx: store.Db, workspaceId: string, memberId: string) {
    const member = await store.findMember(tx, workspaceId, memberId);
    if (!member) throw memberNotFound(memberId);
    return member;
  }

  return {
    list: (workspaceId: string, position: Position | null, limit: number) =>
      store.listMembers(db, workspaceId, position, limit),

    async create(actor: Principal, workspaceId: string, input: MemberCreate): Promise<Member> {
      const now = isoNow();
      const row: store.MemberRow = {
        id: newId('mem'),
        workspace_id: workspaceId,
        name: input.name,
        email: input.email ?? null,
        role: input.role,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await store.insertMember(tx, row);
        await audit.record(
          {
            workspaceId,
            actor,
            action: 'member.added',
            target: row.id,
            details: { name: row.name, role: row.role },
          },
          tx,
        );
      });
      return toMember(row);
    },

    async update(
      actor: Principal,
      workspaceId: string,
      memberId: string,
      input: MemberUpdate,
    ): Promise<Member> {
      const { row, roleChanged } = await db.transaction().execute(async (tx) => {
        const before = await existing(tx, workspaceId, memberId);
        const changes: Partial<store.MemberRow> = {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.role !== undefined ? { role: input.role } : {}),
          updated_at: isoNow(),
        };
        await store.updateMember(tx, memberId, changes);
        const row = { ...before, ...changes };
        const roleChanged = row.role !== before.role;
        if (roleChanged) {
          await audit.record(
            {
              workspaceId,
              actor,
              action: 'member.role_changed',
              target: memberId,
              details: { from: before.role, to: row.role },
            },
            tx,
          );
        }
        const renamed = Object.fromEntries(
          (['name', 'email'] as const).filter((f) => row[f] !== before[f]).map((f) => [f, row[f]]),
        );
        if (Object.keys(renamed).length > 0) {
          await audit.record(
            { workspaceId, actor, action: 'member.updated', target: memberId, details: renamed },
            tx,
          );
        }
        return { row, roleChanged };
      });
      if (roleChanged) await tokens.forget(await store.tokenHashes(db, { workspaceId, memberId }));
      return toMember(row);
    },

    /** Removes the member and their tokens (the rows cascade), everywhere before answering. */
    async delete(actor: Principal, workspaceId: string, memberId: string): Promise<void> {
      const hashes = await db.transaction().execute(async (tx) => {
        const member = await existing(tx, workspaceId, memberId);
        const hashes = await store.tokenHashes(tx, { workspaceId, memberId });
        await store.deleteMember(tx, memberId);
        await audit.record(
          { workspaceId, actor, action: 'member.removed', target: memberId, details: { name: member.name } },
          tx,
        );
        return hashes;
      });
      await tokens.forget(hashes);
    },
  };
}

export type Members = ReturnType<typeof createMembers>;
