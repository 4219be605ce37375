import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/http/auth/principal.js';
import {
  decideChannel,
  decideRow,
  decideStatement,
  matchChannel,
  normalizeSql,
} from '../src/modules/rules/decide.js';
import { emptyRules, type Rules } from '../src/modules/rules/types.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// A project's rules decide what end users may do: deny by default, first matching channel rule
// wins, `{userId}` segments and `owner` rows only for the caller's own id, the secret key never
// restricted. The document is versioned, saved with optimistic concurrency, and applied on the
// next request on every worker (the bus invalidates each worker's cache).

const secret: Principal = {
  scheme: 'secretKey',
  subject: 'prj_a',
  credentialId: 'key_s',
  projectId: 'prj_a',
};
const anonymous: Principal = {
  scheme: 'publishableKey',
  subject: 'prj_a',
  credentialId: 'key_p',
  projectId: 'prj_a',
};
const alice: Principal = {
  scheme: 'userSession',
  subject: 'usr_alice',
  credentialId: 'ses_1',
  projectId: 'prj_a',
  userId: 'usr_alice',
};

const rules: Rules = {
  ...emptyRules(),
  version: 1,
  channels: [
    { pattern: 'news/**', subscribe: 'public' },
    { pattern: 'chat/*', subscribe: 'authenticated', publish: 'authenticated', presence: 'authenticated' },
    { pattern: 'user/{userId}/**', subscribe: 'owner', publish: 'owner' },
    { pattern: 'closed/*' },
  ],
  statements: [
    { sql: 'SELECT * FROM posts', access: 'public' },
    { sql: 'SELECT * FROM notes WHERE user_id = :auth_user_id', access: 'owner' },
    { sql: 'DELETE FROM posts', access: 'none' },
  ],
  tables: [
    { table: 'posts', read: 'public' },
    { table: 'notes', read: 'owner', ownerColumn: 'user_id' },
    { table: 'audit', read: 'none' },
  ],
};

describe('rules decisions', () => {
  it.each([
    ['news/**', 'news', false],
    ['news/**', 'news/today', true],
    ['news/**', 'news/today/sport', true],
    ['chat/*', 'chat/room-1', true],
    ['chat/*', 'chat/room-1/x', false],
    ['chat/*', 'chat', false],
    ['user/{userId}/**', 'user/usr_alice/inbox', true],
  ])('pattern %s against %s: %s', (pattern, channel, matched) => {
    expect(matchChannel(pattern, channel, 'usr_alice').matched).toBe(matched);
  });

  it.each<[string, Principal, string, 'subscribe' | 'publish' | 'presence', boolean]>([
    ['secret key, no rule', secret, 'anything/at/all', 'publish', true],
    ['anonymous, public subscribe', anonymous, 'news/today', 'subscribe', true],
    ['anonymous, news publish (left out = none)', anonymous, 'news/today', 'publish', false],
    ['anonymous, authenticated channel', anonymous, 'chat/room-1', 'subscribe', false],
    ['user, authenticated channel', alice, 'chat/room-1', 'publish', true],
    ['user, presence', alice, 'chat/room-1', 'presence', true],
    ['user, own private channel', alice, 'user/usr_alice/inbox', 'subscribe', true],
    ["user, another user's private channel", alice, 'user/usr_bob/inbox', 'subscribe', false],
    ["anonymous, a user's private channel", anonymous, 'user/usr_alice/inbox', 'subscribe', false],
    ['user, a rule with no access', alice, 'closed/x', 'subscribe', false],
    ['user, no rule at all (deny by default)', alice, 'elsewhere/x', 'subscribe', false],
  ])('%s', (_, principal, channel, action, allowed) => {
    const decision = decideChannel(rules, principal, channel, action);
    expect(decision.allowed).toBe(allowed);
    expect(decision.reason).toBeTruthy();
  });

  it('matches statements after collapsing whitespace and a final semicolon, and names the user-id parameter', () => {
    expect(normalizeSql('  SELECT *\n\tFROM posts ;  ')).toBe('SELECT * FROM posts');
    expect(decideStatement(rules, anonymous, 'SELECT *  FROM posts;').allowed).toBe(true);
    expect(decideStatement(rules, anonymous, 'select * from posts').allowed).toBe(false); // exact text
    expect(decideStatement(rules, anonymous, 'SELECT * FROM posts; DROP TABLE posts').allowed).toBe(false);
    const owner = decideStatement(rules, alice, 'SELECT * FROM notes WHERE user_id = :auth_user_id');
    expect(owner).toMatchObject({ allowed: true, userIdParam: 'auth_user_id' });
    expect(
      decideStatement(rules, anonymous, 'SELECT * FROM notes WHERE user_id = :auth_user_id').allowed,
    ).toBe(false);
    expect(decideStatement(rules, alice, 'DELETE FROM posts').allowed).toBe(false);
    expect(decideStatement(rules, secret, 'DROP TABLE posts')).toMatchObject({
      allowed: true,
      userIdParam: null,
    });
    expect(decideStatement({ ...rules, learning: true }, anonymous, 'SELECT 1')).toMatchObject({
      allowed: true,
      learn: true,
    });
  });

  it.each<[string, Principal, string, Record<string, unknown>, boolean]>([
    ['public table, anonymous', anonymous, 'posts', { id: 1 }, true],
    ['owner table, own row', alice, 'notes', { user_id: 'usr_alice' }, true],
    ["owner table, another user's row", alice, 'notes', { user_id: 'usr_bob' }, false],
    ['owner table, anonymous', anonymous, 'notes', { user_id: 'usr_alice' }, false],
    ['table with none', alice, 'audit', { id: 1 }, false],
    ['table without a rule', alice, 'other', { id: 1 }, false],
    ['secret key, any table', secret, 'audit', { id: 1 }, true],
  ])('change events: %s', (_, principal, table, row, visible) => {
    expect(decideRow(rules, principal, table, row)).toBe(visible);
  });
});

describe.each(BACKENDS)('rules API on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());
  const body = {
    channels: rules.channels,
    statements: rules.statements,
    tables: rules.tables,
    learning: false,
  };

  it('starts at version 0, which allows nothing, and saves versions with optimistic concurrency', async () => {
    const sk = t.keys.secretKey;
    const first = await t.call({ method: 'GET', path: '/v1/rules', auth: sk });
    expect(first.json).toEqual({ ...emptyRules() });

    const saved = await t.call({ method: 'PUT', path: '/v1/rules', auth: sk, body: { ...body, version: 0 } });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ version: 1, ...body });
    expect(Date.parse(saved.json.updatedAt)).not.toBeNaN();

    const stale = await t.call({ method: 'PUT', path: '/v1/rules', auth: sk, body: { ...body, version: 0 } });
    expect([stale.status, stale.json.code]).toEqual([409, 'rules/version-conflict']);
    expect((await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json.version).toBe(1);

    // Concurrent saves of the same next version: exactly one wins.
    const racing = await Promise.all(
      [0, 1, 2, 3].map(() =>
        t.call({ method: 'PUT', path: '/v1/rules', auth: sk, body: { ...body, version: 1 } }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json.version).toBe(2);
  });

  it.each([
    ['an owner channel rule without {userId}', { channels: [{ pattern: 'a/*', subscribe: 'owner' }] }, 422],
    ['** in the middle', { channels: [{ pattern: 'a/**/b', subscribe: 'public' }] }, 422],
    ['a bad segment', { channels: [{ pattern: 'a/b c', subscribe: 'public' }] }, 422],
    ['an owner statement without :auth_user_id', { statements: [{ sql: 'SELECT 1', access: 'owner' }] }, 422],
    ['an owner table without ownerColumn', { tables: [{ table: 'x', read: 'owner' }] }, 422],
    [
      'two rules for one table',
      {
        tables: [
          { table: 'x', read: 'public' },
          { table: 'x', read: 'none' },
        ],
      },
      422,
    ],
    ['an unknown access level', { channels: [{ pattern: 'a', subscribe: 'everyone' }] }, 400],
    ['an unknown field', { extra: true }, 400],
  ])('refuses %s', async (_, change, status) => {
    const sk = t.keys.secretKey;
    const { version } = (await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json;
    const res = await t.call({
      method: 'PUT',
      path: '/v1/rules',
      auth: sk,
      body: { channels: [], statements: [], tables: [], learning: false, version, ...change },
    });
    expect(res.status).toBe(status);
    expect(res.json.code).toBe(status === 422 ? 'rules/invalid' : 'request/invalid-body');
    expect((await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json.version).toBe(version);
  });

  it('is managed with the secret key only, and each project has its own', async () => {
    const pk = await t.call({ method: 'GET', path: '/v1/rules', auth: t.keys.publishableKey });
    expect([pk.status, pk.json.code]).toEqual([403, 'auth/wrong-credential-type']);
    const other = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    const otherRules = await t.call({ method: 'GET', path: '/v1/rules', auth: other.json.secretKey.key });
    expect(otherRules.json.version).toBe(0);
  });

  it('applies a save on the next decision, and learns statements in learning mode', async () => {
    const { rules: service } = t.platform.services;
    const sk = t.keys.secretKey;
    const projectId = t.keys.projectId;
    const anon: Principal = { ...anonymous, projectId, subject: projectId };
    let { version } = (await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json;
    const put = async (learning: boolean, statements: unknown[] = []) => {
      const res = await t.call({
        method: 'PUT',
        path: '/v1/rules',
        auth: sk,
        body: { channels: [], statements, tables: [], learning, version },
      });
      expect(res.status).toBe(200);
      version = res.json.version;
    };
    await put(false);
    expect((await service.statement(anon, 'SELECT 42')).allowed).toBe(false);
    await put(true);
    expect((await service.statement(anon, 'SELECT   42')).allowed).toBe(true);
    expect((await service.statement(anon, 'SELECT 42')).allowed).toBe(true);
    const learnt = (await t.call({ method: 'GET', path: '/v1/rules', auth: sk })).json;
    expect(learnt.statements).toEqual([{ sql: 'SELECT   42', access: 'public' }]); // recorded once
    version = learnt.version;
    await put(false, learnt.statements); // locked
    expect((await service.statement(anon, 'SELECT 42')).allowed).toBe(true);
    expect((await service.statement(anon, 'SELECT 43')).allowed).toBe(false);
  });
});
