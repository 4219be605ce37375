import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient, memoryStorage } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf } from './support/rejection';

// client.db and client.realtime against the real platform: the secret key does anything in its
// project; end users (publishable key, signed in or not) only what the project's rules allow.

let platform: RunningPlatform;
let admin: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = createClient({ url: platform.url, secretKey: platform.secretKey });
  await admin.db.migrate([
    {
      name: '0001_notes',
      sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, body TEXT NOT NULL)',
    },
  ]);
  const { version } = await admin.http.GET('/v1/rules');
  await admin.http.PUT('/v1/rules', {
    body: {
      version,
      learning: false,
      channels: [
        { pattern: 'chat/*', subscribe: 'public', publish: 'authenticated' },
        { pattern: 'user/{userId}/**', subscribe: 'owner' },
      ],
      statements: [
        { sql: 'INSERT INTO notes (user_id, body) VALUES (:auth_user_id, :body)', access: 'owner' },
        { sql: 'SELECT body FROM notes WHERE user_id = :auth_user_id ORDER BY id', access: 'owner' },
      ],
      tables: [{ table: 'notes', read: 'owner', ownerColumn: 'user_id' }],
    },
  });
});
afterAll(() => platform?.close());

let n = 0;
async function signedInUser(): Promise<AerostackClient> {
  const client = createClient({
    url: platform.url,
    publishableKey: platform.publishableKey,
    auth: { storage: memoryStorage() },
  });
  await client.auth.signUp({
    email: `dbrt-${++n}-${Date.now()}@example.com`,
    password: 'correct horse battery',
  });
  return client;
}

describe('db (client)', () => {
  it('runs any statement with the secret key, and batches in one transaction', async () => {
    const inserted = await admin.db.query('INSERT INTO notes (user_id, body) VALUES (?, ?)', [
      'usr_admin',
      'hi',
    ]);
    expect(inserted.rowsAffected).toBe(1);
    const { rows, columns } = await admin.db.query<{ body: string }>(
      'SELECT body FROM notes WHERE user_id = :u',
      {
        u: 'usr_admin',
      },
    );
    expect([rows, columns]).toEqual([[{ body: 'hi' }], ['body']]);
    const failed = await rejectionOf(
      admin.db.batch([
        { sql: "INSERT INTO notes (user_id, body) VALUES ('usr_admin', 'lost')" },
        { sql: 'INSERT INTO nowhere VALUES (1)' },
      ]),
    );
    expect(failed.code).toBe('db/sql-error');
    expect((await admin.db.query('SELECT count(*) AS n FROM notes')).rows).toEqual([{ n: 1 }]);
  });

  it('lets signed-in users run only allowed statements, each seeing only their own rows', async () => {
    const [ada, bob] = [await signedInUser(), await signedInUser()];
    const insert = 'INSERT INTO notes (user_id, body) VALUES (:auth_user_id, :body)';
    const select = 'SELECT body FROM notes WHERE user_id = :auth_user_id ORDER BY id';
    await ada.db.query(insert, { body: "ada's" });
    await bob.db.query(insert, { body: "bob's" });
    expect((await ada.db.query(select)).rows).toEqual([{ body: "ada's" }]);
    expect((await bob.db.query(select)).rows).toEqual([{ body: "bob's" }]);
    // Supplying the reserved parameter to read someone else's rows is refused.
    const spoof = await rejectionOf(ada.db.query(select, { auth_user_id: 'usr_admin' }));
    expect(spoof.status).toBe(400);
    const denied = await rejectionOf(ada.db.query('SELECT * FROM notes'));
    expect([denied.status, denied.code]).toEqual([403, 'db/statement-denied']);
    const anonymous = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage() },
    });
    expect((await rejectionOf(anonymous.db.query(select))).code).toBe('db/statement-denied');
  });
});

describe('realtime (client)', () => {
  it('delivers published messages, and resumes after a drop with exactly the missed ones', async () => {
    const channel = `chat/room-${Date.now()}`;
    const stream = admin.realtime.subscribe<{ text: string }>(channel);
    const seen: string[] = [];
    let lastId: string | undefined;
    for await (const event of stream) {
      if (event.event === 'subscribed') {
        await admin.realtime.publish(channel, 'said', { text: 'one' });
        continue;
      }
      if (event.event === 'message') {
        seen.push(event.data.data.text);
        lastId = event.id;
        break;
      }
    }
    expect(seen).toEqual(['one']);
    await admin.realtime.publish(channel, 'said', { text: 'two' });
    await admin.realtime.publish(channel, 'said', { text: 'three' });
    const resumed = admin.realtime.subscribe<{ text: string }>(channel, { lastEventId: lastId });
    for await (const event of resumed) {
      if (event.event === 'message') seen.push(event.data.data.text);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['one', 'two', 'three']);
    const history = await admin.realtime.history<{ text: string }>(channel);
    expect(history.data.map((m) => m.data.text)).toEqual(['three', 'two', 'one']);
  });

  it('end users: public channels for anyone, publishing signed in, private channels only for their owner', async () => {
    const channel = `chat/lobby-${Date.now()}`;
    const anonymous = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage() },
    });
    expect((await rejectionOf(anonymous.realtime.publish(channel, 'said', 'x'))).code).toBe(
      'realtime/channel-denied',
    );
    const ada = await signedInUser();
    const stream = anonymous.realtime.subscribe<string>(channel);
    for await (const event of stream) {
      if (event.event === 'subscribed') await ada.realtime.publish(channel, 'said', 'hello');
      if (event.event === 'message') {
        expect(event.data.data).toBe('hello');
        break;
      }
    }
    const adaId = (await ada.auth.getSession())!.user.id;
    const bob = await signedInUser();
    const spy = bob.realtime.subscribe(`user/${adaId}/inbox`, { maxReconnects: 0 });
    const refused = await rejectionOf(spy[Symbol.asyncIterator]().next());
    expect(refused.code).toBe('realtime/channel-denied');
  });
});
