import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '20261123215500_realtime': {
    async up(db: Kysely<unknown>) {
      // One counter per project: taking the next id locks the project's row until the publishing
      // transaction commits, so ids commit in increasing order (decision 0030).
      await db.schema
        .createTable('realtime_sequences')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();
      // The replay buffer: every published message still kept, by project and id.
      await db.schema
        .createTable('realtime_events')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('published_at', 'bigint', (c) => c.notNull())
        .addColumn('row_table', 'text')
        .addColumn('row_data', 'text')
        .addPrimaryKeyConstraint('realtime_events_pk', ['project_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('realtime_events_channel')
        .on('realtime_events')
        .columns(['project_id', 'channel', 'seq'])
        .execute();
      await db.schema
        .createIndex('realtime_events_published')
        .on('realtime_events')
        .column('published_at')
        .execute();
      // The highest id each channel's buffer has dropped: a resume from before it missed messages.
      await db.schema
        .createTable('realtime_pruned')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('realtime_pruned_pk', ['project_id', 'channel'])
        .execute();
      await db.schema
        .createTable('realtime_presence')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('stream_id', 'text')
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('realtime_presence_pk', ['project_id', 'channel', 'key'])
        .execute();
      await db.schema
        .createIndex('realtime_presence_expires')
        .on('realtime_presence')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('realtime_presence_stream')
        .on('realtime_presence')
        .column('stream_id')
        .execute();
    },
  },
  // Each message names the previous one of its channel, so a reader that finds the previous one
  // missing knows the buffer dropped it before it could be read (a `missed` event, not a silent gap).
  '20261123220500_realtime_previous': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('realtime_events').addColumn('prev_seq', 'bigint').execute();
    },
  },
  // Who published each message, so subscribers can trust the sender of an end user's message.
  '20261123221500_realtime_publisher': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('realtime_events').addColumn('user_id', 'text').execute();
    },
  },
};
