import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  // The event streams open on every worker and node (decision 0045).
  '20261125130000_open_streams': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('open_streams')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // What the stream counts against: `gateway-token:<id>`, `realtime-user:<project>:<user>`…
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        // Epoch milliseconds; the worker holding the stream pushes it on while the stream is open.
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('open_streams_scope')
        .on('open_streams')
        .columns(['scope', 'expires_at'])
        .execute();
    },
  },
};
