import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { encodeCursor, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import type { Params } from './engine.js';
import { migrations } from './migrations.js';
import { createDbService, type DbService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    db: DbService;
  }
}

export default defineModule({
  name: 'db',
  migrations,
  dropProject,
  create: createDbService,
  handlers: defineHandlers({
    'db.query': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.db.query(principal, body.sql, body.params as Params | undefined),
    }),

    'db.batch': async ({ principal, body, services }) => ({
      status: 200,
      body: {
        results: await services.db.batch(
          principal,
          body.statements.map((s) => ({ sql: s.sql, params: s.params as Params | undefined })),
        ),
      },
    }),

    'db.migrations.apply': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.db.applyMigrations(projectIdOf(principal), body.migrations),
    }),

    'db.migrations.list': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const all = await services.db.listMigrations(projectIdOf(principal));
      // The cursor names the last migration of the previous page (applied order is the list's order).
      const after = positionOf(query.cursor);
      const start = after ? all.findIndex((m) => m.name === after.id) + 1 : 0;
      const data = all.slice(start, start + limit);
      const last = data[data.length - 1];
      const nextCursor =
        start + limit < all.length && last
          ? encodeCursor({ createdAt: last.appliedAt, id: last.name })
          : null;
      return { status: 200, body: { data, nextCursor } };
    },
  }),
});
