import { accountIdOf } from '../../http/auth.js';
import { defineHandlers } from '../../http/handler.js';
import { ApiError } from '../../http/problem.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { createProject, rotateKey, toApiKey, toProject } from './service.js';
import * as store from './store.js';

function position(cursor: string | undefined) {
  if (cursor === undefined) return null;
  const decoded = decodeCursor(cursor);
  if (!decoded) {
    throw new ApiError('request/invalid-parameters', 'The cursor was not issued by this API.', {
      errors: [{ location: 'query/cursor', message: 'is not a valid cursor' }],
    });
  }
  return decoded;
}

function pageOf<R extends { created_at: string; id: string }, T>(
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

async function ownedProject(
  db: Parameters<typeof store.findProject>[0],
  accountId: string,
  projectId: string,
) {
  const project = await store.findProject(db, accountId, projectId);
  // Another account's project id answers exactly like one that does not exist.
  if (!project) throw new ApiError('projects/not-found', `No project ${projectId} in this account.`);
  return project;
}

export const projectHandlers = defineHandlers({
  'projects.list': async ({ principal, query, services }) => {
    const limit = query.limit ?? 50;
    const rows = await store.listProjects(
      services.database.db,
      accountIdOf(principal),
      position(query.cursor),
      limit,
    );
    return { status: 200, body: pageOf(rows, limit, toProject) };
  },

  'projects.create': async ({ principal, body, services }) => ({
    status: 201,
    body: await createProject(services.database.db, accountIdOf(principal), body.name),
  }),

  'projects.get': async ({ principal, path, services }) => ({
    status: 200,
    body: toProject(await ownedProject(services.database.db, accountIdOf(principal), path.projectId)),
  }),

  'projects.keys.list': async ({ principal, path, query, services }) => {
    const { db } = services.database;
    await ownedProject(db, accountIdOf(principal), path.projectId);
    const limit = query.limit ?? 50;
    const rows = await store.listKeys(db, path.projectId, position(query.cursor), limit);
    return { status: 200, body: pageOf(rows, limit, toApiKey) };
  },

  'projects.keys.rotate': async ({ principal, path, body, services }) => {
    const { db } = services.database;
    const accountId = accountIdOf(principal);
    await ownedProject(db, accountId, path.projectId);
    return { status: 201, body: await rotateKey(db, accountId, path.projectId, body.type) };
  },
});
