import { type Kysely, type Migration, sql } from 'kysely';

// Named `<YYYYMMDDhhmmss>_<what>`. Once released, a migration is never edited: change the schema
// with a new, later one.
export const migrations: Record<string, Migration> = {
  '20261124100000_queue_jobs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('queue_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('backoff_seconds', 'integer', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('idempotency_key', 'text')
        .addColumn('user_id', 'text')
        .addColumn('lease_id', 'text')
        // epoch ms: when a waiting job may be leased, or when a running job's lease expires
        .addColumn('available_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      // NULL keys are distinct in both engines: only jobs that carry a key are unique.
      await db.schema
        .createIndex('queue_jobs_idempotency')
        .unique()
        .on('queue_jobs')
        .columns(['project_id', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('queue_jobs_project_created')
        .on('queue_jobs')
        .columns(['project_id', 'created_at', 'id'])
        .execute();
      // What a pull scans: the jobs that can be leased, by when.
      await db.schema
        .createIndex('queue_jobs_leasable')
        .on('queue_jobs')
        .columns(['project_id', 'available_at', 'id'])
        .where(sql<boolean>`status IN ('queued', 'failed', 'running')`)
        .execute();
    },
  },
  // What the expiry sweep scans, across projects: running jobs by lease expiry.
  '20261124100001_queue_jobs_running': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('queue_jobs_running')
        .on('queue_jobs')
        .columns(['available_at', 'id'])
        .where(sql<boolean>`status = 'running'`)
        .execute();
    },
  },
  // What retention scans, across projects: finished jobs by status and age (decision 0047).
  '20261125110000_queue_jobs_finished': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('queue_jobs_finished')
        .on('queue_jobs')
        .columns(['status', 'finished_at', 'id'])
        .where(sql<boolean>`status IN ('succeeded', 'cancelled', 'dead')`)
        .execute();
    },
  },
  // What a pull of one type scans: that type's leasable jobs by when, so waiting jobs of other
  // types are never read (decision 0047).
  '20261125110001_queue_jobs_leasable_type': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('queue_jobs_leasable_type')
        .on('queue_jobs')
        .columns(['project_id', 'type', 'available_at', 'id'])
        .where(sql<boolean>`status IN ('queued', 'failed', 'running')`)
        .execute();
    },
  },
};
