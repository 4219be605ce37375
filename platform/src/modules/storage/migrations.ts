import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261124110000_storage_objects': {
    async up(db: Kysely<unknown>) {
      // Keys list in byte order on both engines: PostgreSQL's default collation follows the locale.
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('storage_objects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('key', 'text', (c) => (postgres ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
        .addColumn('blob', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('cache_control', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('storage_objects_key', ['project_id', 'key'])
        .execute();
      await db.schema
        .createTable('storage_signing_secrets')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Decision 0046: the quota is reserved atomically on a usage row per project, and writes in
  // flight are registered so that the orphan sweep can tell them from leftovers of a crash.
  '20261125100000_storage_usage': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('storage_usage')
        .addColumn('project_id', 'text', (c) => c.primaryKey())
        .addColumn('used_bytes', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into storage_usage (project_id, used_bytes)
        select project_id, sum(size_bytes) from storage_objects group by project_id`.execute(db);
      await db.schema
        .createTable('storage_uploads')
        .addColumn('blob', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('reserved_bytes', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('storage_uploads_updated')
        .on('storage_uploads')
        .column('updated_at')
        .execute();
      // The sweep asks which of the store's blobs a row still points to.
      await db.schema.createIndex('storage_objects_blob').on('storage_objects').column('blob').execute();
    },
  },
};
