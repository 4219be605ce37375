import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type Answer, type TestPlatform, testPlatform } from './support/harness.js';

// Workspaces, members and tokens (decision 0034): the account key manages its own account's
// workspaces; a member's admin token manages its own workspace only (never its slug, limits or
// existence); other roles, other workspaces and other accounts are refused with stable codes.
// Secrets and token secrets: see workspaces-secrets.test.ts; other nodes: workspaces-nodes.test.ts.

const NONE = `wsp_${'0'.repeat(20)}`;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  code?: string;
}

describe.each(BACKENDS)('workspaces on $name', (backend) => {
  let t: TestPlatform;
  let ws: string; // the workspace every role has a token of
  let other: string; // another workspace of the same account
  let intruderWs: string; // a workspace of another account
  let members: { admin: string; developer: string; readOnly: string };
  let tokens: { admin: string; developer: string; readOnly: string; otherAdmin: string; intruder: string };

  const call = (method: string, path: string, auth: string = t.keys.accountKey, body?: unknown) =>
    t.call({ method, path, auth, body });
  const ok = async (res: Promise<Answer> | Answer, status = 200) => {
    const answer = await res;
    expect(answer.status, answer.text).toBe(status);
    return answer.json;
  };
  const problem = async (res: Promise<Answer>, status: number, code: string) => {
    const answer = await res;
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.json.code).toBe(code);
    return answer.json;
  };
  const createWorkspace = (body: unknown, auth?: string) =>
    ok(call('POST', '/v1/workspaces', auth, body), 201);
  const addMember = (workspaceId: string, role: string, auth?: string) =>
    ok(call('POST', `/v1/workspaces/${workspaceId}/members`, auth, { name: `${role} member`, role }), 201);
  const issue = async (workspaceId: string, memberId: string, extra: object = {}, auth?: string) =>
    (await ok(call('POST', `/v1/workspaces/${workspaceId}/tokens`, auth, { memberId, ...extra }), 201)) as {
      token: { id: string; revokedAt: string | null; expiresAt: string | null };
      secret: string;
    };

  beforeAll(async () => {
    t = await testPlatform(backend);
    ws = (await createWorkspace({ name: 'Acme tools' })).id;
    other = (await createWorkspace({ name: 'Other tools' })).id;
    members = {
      admin: (await addMember(ws, 'admin')).id,
      developer: (await addMember(ws, 'developer')).id,
      readOnly: (await addMember(ws, 'read-only')).id,
    };
    const { account, keys, database } = t.platform.services;
    const intruderAccount = (await account.create(database.db, 'Intruder')).id;
    const intruderKey = (
      await keys.issue(database.db, { accountId: intruderAccount, projectId: null }, 'account')
    ).key;
    intruderWs = (await createWorkspace({ name: 'Intruder tools' }, intruderKey)).id;
    tokens = {
      admin: (await issue(ws, members.admin)).secret,
      developer: (await issue(ws, members.developer)).secret,
      readOnly: (await issue(ws, members.readOnly)).secret,
      otherAdmin: (await issue(other, (await addMember(other, 'admin')).id)).secret,
      intruder: intruderKey,
    };
  });
  afterAll(() => t?.close());

  describe('workspaces', () => {
    it('creates, gets, lists with a cursor, updates and deletes', async () => {
      const created = await createWorkspace({
        name: 'CRUD',
        slug: 'crud-ws',
        description: 'for the test',
        limits: { maxServers: 3 },
      });
      expect(created).toMatchObject({
        name: 'CRUD',
        slug: 'crud-ws',
        description: 'for the test',
        gatewayUrl: `${t.platform.services.config.publicUrl}/ws/crud-ws`,
        limits: { maxServers: 3, callsPerMonth: null, requestsPerMinute: null },
        effectiveLimits: { maxServers: 3, callsPerMonth: 0, requestsPerMinute: 120 },
      });
      expect(created.id).toMatch(/^wsp_[0-9A-Za-z]{20}$/);
      expect(await ok(call('GET', `/v1/workspaces/${created.id}`))).toEqual(created);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await ok(call('GET', `/v1/workspaces?limit=1${cursor ? `&cursor=${cursor}` : ''}`));
        expect(page.data.length).toBeLessThanOrEqual(1);
        seen.push(...page.data.map((w: { id: string }) => w.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining([ws, other, created.id]));
      expect(new Set(seen).size).toBe(seen.length);

      const updated = await ok(
        call('PATCH', `/v1/workspaces/${created.id}`, undefined, {
          name: 'CRUD 2',
          description: null,
          limits: { maxServers: null, callsPerMonth: 1000, requestsPerMinute: 5 },
        }),
      );
      expect(updated).toMatchObject({
        name: 'CRUD 2',
        slug: 'crud-ws',
        description: null,
        limits: { maxServers: null, callsPerMonth: 1000, requestsPerMinute: 5 },
        effectiveLimits: { maxServers: 50, callsPerMonth: 1000, requestsPerMinute: 5 },
      });
      expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      // A field of `limits` left out is unchanged.
      const partial = await ok(
        call('PATCH', `/v1/workspaces/${created.id}`, undefined, { limits: { maxServers: 7 } }),
      );
      expect(partial.limits).toEqual({ maxServers: 7, callsPerMonth: 1000, requestsPerMinute: 5 });
      expect(await t.platform.services.workspaces.bySlug('crud-ws')).toMatchObject({
        id: created.id,
        limits: { maxServers: 7, callsPerMonth: 1000, requestsPerMinute: 5 },
      });

      const member = await addMember(created.id, 'admin');
      const token = await issue(created.id, member.id);
      expect((await call('GET', `/v1/workspaces/${created.id}`, token.secret)).status).toBe(200);
      expect((await call('DELETE', `/v1/workspaces/${created.id}`)).status).toBe(204);
      await problem(call('GET', `/v1/workspaces/${created.id}`), 404, 'workspaces/not-found');
      await problem(call('DELETE', `/v1/workspaces/${created.id}`), 404, 'workspaces/not-found');
      // Its tokens died with it, on the very next request.
      await problem(
        call('GET', `/v1/workspaces/${created.id}`, token.secret),
        401,
        'auth/invalid-credentials',
      );
      expect(await t.platform.services.workspaces.bySlug('crud-ws')).toBeNull();
    });

    it('derives a slug from the name, suffixed when taken', async () => {
      const first = await createWorkspace({ name: 'Ünïcode  Tools!!' });
      expect(first.slug).toBe('unicode-tools');
      const second = await createWorkspace({ name: 'unicode tools' });
      expect(second.slug).toMatch(/^unicode-tools-[a-z0-9]{6}$/);
      expect((await createWorkspace({ name: '日本' })).slug).toMatch(/^workspace(-[a-z0-9]{6})?$/);
      expect((await createWorkspace({ name: 'x'.repeat(100) })).slug).toBe('x'.repeat(40));
    });

    const badSlugs = ['a', 'A-b', 'a--b', '-ab', 'ab-', 'a_b', 'a b', 'é-tools', 'x'.repeat(49), 42, null];
    it.each(badSlugs)('refuses the slug %j (400)', async (slug) => {
      await problem(
        call('POST', '/v1/workspaces', undefined, { name: 'n', slug }),
        400,
        'request/invalid-body',
      );
      await problem(call('PATCH', `/v1/workspaces/${ws}`, undefined, { slug }), 400, 'request/invalid-body');
    });

    it('keeps slugs unique on the platform (409), also under concurrent creates', async () => {
      expect((await createWorkspace({ name: 'n', slug: 'x'.repeat(48) })).slug).toHaveLength(48);
      await problem(
        call('POST', '/v1/workspaces', undefined, { name: 'n', slug: 'x'.repeat(48) }),
        409,
        'workspaces/slug-taken',
      );
      // Another account may not take it either: slugs name gateway URLs.
      await problem(
        call('POST', '/v1/workspaces', tokens.intruder, { name: 'n', slug: 'x'.repeat(48) }),
        409,
        'workspaces/slug-taken',
      );
      const { slug } = await ok(call('GET', `/v1/workspaces/${other}`));
      await problem(call('PATCH', `/v1/workspaces/${ws}`, undefined, { slug }), 409, 'workspaces/slug-taken');
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          call('POST', '/v1/workspaces', undefined, { name: 'race', slug: 'race' }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    });

    it('changes the slug: the gateway URL follows and the old slug is free', async () => {
      const w = await createWorkspace({ name: 'Moving', slug: 'moving-a' });
      expect(await t.platform.services.workspaces.bySlug('moving-a')).toMatchObject({ id: w.id });
      const moved = await ok(call('PATCH', `/v1/workspaces/${w.id}`, undefined, { slug: 'moving-b' }));
      expect(moved.gatewayUrl).toMatch(/\/ws\/moving-b$/);
      expect(await t.platform.services.workspaces.bySlug('moving-a')).toBeNull();
      expect(await t.platform.services.workspaces.bySlug('moving-b')).toMatchObject({ id: w.id });
      expect((await createWorkspace({ name: 'n', slug: 'moving-a' })).slug).toBe('moving-a');
    });

    it('hides another account’s workspaces as if they did not exist', async () => {
      const list = await ok(call('GET', '/v1/workspaces?limit=1000', tokens.intruder));
      expect(list.data.map((w: { id: string }) => w.id)).toEqual([intruderWs]);
      for (const [method, path, body] of [
        ['GET', `/v1/workspaces/${ws}`],
        ['PATCH', `/v1/workspaces/${ws}`, { name: 'mine now' }],
        ['DELETE', `/v1/workspaces/${ws}`],
        ['GET', `/v1/workspaces/${ws}/members`],
        ['POST', `/v1/workspaces/${ws}/members`, { name: 'spy', role: 'admin' }],
        ['PATCH', `/v1/workspaces/${ws}/members/${members.developer}`, { role: 'admin' }],
        ['DELETE', `/v1/workspaces/${ws}/members/${members.developer}`],
        ['GET', `/v1/workspaces/${ws}/tokens`],
        ['POST', `/v1/workspaces/${ws}/tokens`, { memberId: members.admin }],
        ['GET', `/v1/workspaces/${ws}/secrets`],
        ['PUT', `/v1/workspaces/${ws}/secrets/STOLEN`, { value: 'x' }],
        ['GET', `/v1/workspaces/${ws}/audit`],
        ['GET', `/v1/workspaces/${NONE}`],
      ] as const) {
        await problem(call(method, path, tokens.intruder, body), 404, 'workspaces/not-found');
      }
      expect((await ok(call('GET', `/v1/workspaces/${ws}`))).name).toBe('Acme tools');
    });
  });

  describe('who manages what', () => {
    it('an admin token manages its own workspace', async () => {
      const auth = tokens.admin;
      expect((await ok(call('GET', `/v1/workspaces/${ws}`, auth))).id).toBe(ws);
      expect(
        (await ok(call('PATCH', `/v1/workspaces/${ws}`, auth, { description: 'by the admin' }))).description,
      ).toBe('by the admin');
      const member = await addMember(ws, 'developer', auth);
      expect((await ok(call('GET', `/v1/workspaces/${ws}/members?limit=1000`, auth))).data).toContainEqual(
        member,
      );
      expect(
        (await ok(call('PATCH', `/v1/workspaces/${ws}/members/${member.id}`, auth, { role: 'read-only' })))
          .role,
      ).toBe('read-only');
      const token = await issue(ws, member.id, { name: 'laptop' }, auth);
      const listed = await ok(call('GET', `/v1/workspaces/${ws}/tokens?limit=1000`, auth));
      expect(listed.data.map((k: { id: string }) => k.id)).toContain(token.token.id);
      expect((await call('DELETE', `/v1/workspaces/${ws}/tokens/${token.token.id}`, auth)).status).toBe(204);
      expect(
        (await ok(call('PUT', `/v1/workspaces/${ws}/secrets/ADMIN_SET`, auth, { value: 'v' }))).name,
      ).toBe('ADMIN_SET');
      expect((await ok(call('GET', `/v1/workspaces/${ws}/secrets`, auth))).data.length).toBeGreaterThan(0);
      expect((await call('DELETE', `/v1/workspaces/${ws}/secrets/ADMIN_SET`, auth)).status).toBe(204);
      expect((await call('DELETE', `/v1/workspaces/${ws}/members/${member.id}`, auth)).status).toBe(204);
      const audit = await ok(call('GET', `/v1/workspaces/${ws}/audit?limit=1000`, auth));
      const mine = audit.data.filter((e: { actor: { tokenId: string | null } }) => e.actor.tokenId !== null);
      expect(mine.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining([
          'workspace.updated',
          'member.added',
          'member.role_changed',
          'token.created',
          'token.revoked',
          'secret.set',
          'secret.deleted',
          'member.removed',
        ]),
      );
      expect(mine.every((e: { actor: { type: string; id: string } }) => e.actor.type === 'member')).toBe(
        true,
      );
      expect(mine.every((e: { actor: { id: string } }) => e.actor.id === members.admin)).toBe(true);
    });

    it('an admin token may not change the slug or the limits, nor delete, list or create workspaces', async () => {
      await problem(
        call('PATCH', `/v1/workspaces/${ws}`, tokens.admin, { slug: 'taken-over' }),
        403,
        'workspaces/forbidden',
      );
      await problem(
        call('PATCH', `/v1/workspaces/${ws}`, tokens.admin, { limits: { requestsPerMinute: 1_000_000 } }),
        403,
        'workspaces/forbidden',
      );
      await problem(call('DELETE', `/v1/workspaces/${ws}`, tokens.admin), 403, 'auth/wrong-credential-type');
      await problem(call('GET', '/v1/workspaces', tokens.admin), 403, 'auth/wrong-credential-type');
      await problem(
        call('POST', '/v1/workspaces', tokens.admin, { name: 'n' }),
        403,
        'auth/wrong-credential-type',
      );
      expect((await ok(call('GET', `/v1/workspaces/${ws}`))).limits.requestsPerMinute).toBeNull();
    });

    it('an admin token never sees another workspace (404), not even of the same account', async () => {
      for (const path of [
        `/v1/workspaces/${other}`,
        `/v1/workspaces/${other}/members`,
        `/v1/workspaces/${other}/audit`,
      ]) {
        await problem(call('GET', path, tokens.admin), 404, 'workspaces/not-found');
      }
      await problem(call('GET', `/v1/workspaces/${ws}`, tokens.otherAdmin), 404, 'workspaces/not-found');
      // Nor a member or token of another workspace through its own.
      await problem(
        call('POST', `/v1/workspaces/${other}/tokens`, tokens.admin, { memberId: members.admin }),
        404,
        'workspaces/not-found',
      );
      await problem(
        call('POST', `/v1/workspaces/${ws}/tokens`, undefined, {
          memberId: (await ok(call('GET', `/v1/workspaces/${other}/members`))).data[0].id,
        }),
        404,
        'workspaces/member-not-found',
      );
    });

    const adminOps = (): Row[] => [
      { name: 'get', method: 'GET', path: `/v1/workspaces/${ws}`, status: 403 },
      { name: 'update', method: 'PATCH', path: `/v1/workspaces/${ws}`, body: { name: 'x' }, status: 403 },
      { name: 'members.list', method: 'GET', path: `/v1/workspaces/${ws}/members`, status: 403 },
      {
        name: 'members.create',
        method: 'POST',
        path: `/v1/workspaces/${ws}/members`,
        body: { name: 'x', role: 'admin' },
        status: 403,
      },
      {
        name: 'members.update (self-promotion)',
        method: 'PATCH',
        path: `/v1/workspaces/${ws}/members/${members.developer}`,
        body: { role: 'admin' },
        status: 403,
      },
      {
        name: 'members.delete',
        method: 'DELETE',
        path: `/v1/workspaces/${ws}/members/${members.admin}`,
        status: 403,
      },
      { name: 'tokens.list', method: 'GET', path: `/v1/workspaces/${ws}/tokens`, status: 403 },
      {
        name: 'tokens.create',
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        body: { memberId: members.developer },
        status: 403,
      },
      {
        name: 'tokens.revoke',
        method: 'DELETE',
        path: `/v1/workspaces/${ws}/tokens/wtk_${'0'.repeat(20)}`,
        status: 403,
      },
      { name: 'secrets.list', method: 'GET', path: `/v1/workspaces/${ws}/secrets`, status: 403 },
      {
        name: 'secrets.set',
        method: 'PUT',
        path: `/v1/workspaces/${ws}/secrets/X`,
        body: { value: 'x' },
        status: 403,
      },
      { name: 'secrets.delete', method: 'DELETE', path: `/v1/workspaces/${ws}/secrets/X`, status: 403 },
      { name: 'audit.list', method: 'GET', path: `/v1/workspaces/${ws}/audit`, status: 403 },
    ];
    it.each(['developer', 'readOnly'] as const)(
      'a %s token gets 403 workspaces/forbidden on every admin operation',
      async (role) => {
        for (const row of adminOps()) {
          const res = await call(row.method, row.path, tokens[role], row.body);
          expect(res.status, `${row.name}: ${res.text}`).toBe(403);
          expect(res.json.code, row.name).toBe('workspaces/forbidden');
        }
        const developer = (await ok(call('GET', `/v1/workspaces/${ws}/members?limit=1000`))).data.find(
          (m: { id: string }) => m.id === members.developer,
        );
        expect(developer.role).toBe('developer');
      },
    );

    it('a project key is the wrong kind of credential', async () => {
      await problem(call('GET', `/v1/workspaces/${ws}`, t.keys.secretKey), 403, 'auth/wrong-credential-type');
      await problem(call('GET', '/v1/workspaces', t.keys.secretKey), 403, 'auth/wrong-credential-type');
    });
  });

  describe('tokens', () => {
    it('refuses a revoked token on the next request, and keeps it listed', async () => {
      const { token, secret } = await issue(ws, members.admin, { name: 'to revoke' });
      expect(token).toMatchObject({
        memberId: members.admin,
        name: 'to revoke',
        role: 'admin',
        revokedAt: null,
        expiresAt: null,
      });
      expect(token.id).toMatch(/^wtk_/);
      expect(secret).toMatch(/^mwt_[0-9A-Za-z]{40}$/);
      await ok(call('GET', `/v1/workspaces/${ws}`, secret)); // now cached by this worker
      expect((await call('DELETE', `/v1/workspaces/${ws}/tokens/${token.id}`)).status).toBe(204);
      await problem(call('GET', `/v1/workspaces/${ws}`, secret), 401, 'auth/invalid-credentials');
      expect((await call('DELETE', `/v1/workspaces/${ws}/tokens/${token.id}`)).status).toBe(204); // no change
      const listed = (await ok(call('GET', `/v1/workspaces/${ws}/tokens?limit=1000`))).data.find(
        (k: { id: string }) => k.id === token.id,
      );
      expect(listed.revokedAt).not.toBeNull();
      expect(listed.hint).toBe(`mwt_…${secret.slice(-4)}`);
      await problem(
        call('DELETE', `/v1/workspaces/${ws}/tokens/wtk_${'0'.repeat(20)}`),
        404,
        'workspaces/token-not-found',
      );
      // A token of another workspace is not found through this one.
      const otherToken = (await ok(call('GET', `/v1/workspaces/${other}/tokens`))).data[0].id;
      await problem(
        call('DELETE', `/v1/workspaces/${ws}/tokens/${otherToken}`),
        404,
        'workspaces/token-not-found',
      );
    });

    it('revokes once under concurrent revocations', async () => {
      const { token, secret } = await issue(ws, members.admin);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => call('DELETE', `/v1/workspaces/${ws}/tokens/${token.id}`)),
      );
      expect(answers.map((a) => a.status)).toEqual([204, 204, 204, 204, 204]);
      await problem(call('GET', `/v1/workspaces/${ws}`, secret), 401, 'auth/invalid-credentials');
      const audit = await ok(call('GET', `/v1/workspaces/${ws}/audit?limit=1000`));
      const revoked = audit.data.filter(
        (e: { action: string; target: string }) => e.action === 'token.revoked' && e.target === token.id,
      );
      expect(revoked).toHaveLength(1);
    });

    it('refuses an expired token, even one this worker has cached', async () => {
      const expiresAt = new Date(Date.now() + 1_500).toISOString();
      const { token, secret } = await issue(ws, members.admin, { expiresAt });
      expect(token.expiresAt).toBe(expiresAt);
      await ok(call('GET', `/v1/workspaces/${ws}`, secret));
      await wait(Date.parse(expiresAt) - Date.now() + 20);
      await problem(call('GET', `/v1/workspaces/${ws}`, secret), 401, 'auth/invalid-credentials');
      await problem(
        call('POST', `/v1/workspaces/${ws}/tokens`, undefined, {
          memberId: members.admin,
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        }),
        422,
        'workspaces/invalid-expiry',
      );
    });

    it('applies a role change on the next request', async () => {
      const member = await addMember(ws, 'admin');
      const { secret } = await issue(ws, member.id);
      await ok(call('GET', `/v1/workspaces/${ws}`, secret));
      await ok(call('PATCH', `/v1/workspaces/${ws}/members/${member.id}`, undefined, { role: 'developer' }));
      await problem(call('GET', `/v1/workspaces/${ws}`, secret), 403, 'workspaces/forbidden');
      const principal = await t.platform.services.authenticate(`Bearer ${secret}`, ['workspaceToken']);
      expect(principal).toMatchObject({ workspaceId: ws, memberId: member.id, role: 'developer' });
      await ok(call('PATCH', `/v1/workspaces/${ws}/members/${member.id}`, undefined, { role: 'admin' }));
      await ok(call('GET', `/v1/workspaces/${ws}`, secret));
      const audit = await ok(call('GET', `/v1/workspaces/${ws}/audit?limit=1000`));
      const changes = audit.data.filter(
        (e: { action: string; target: string }) =>
          e.action === 'member.role_changed' && e.target === member.id,
      );
      expect(changes.map((e: { details: object }) => e.details)).toEqual(
        expect.arrayContaining([
          { from: 'admin', to: 'developer' },
          { from: 'developer', to: 'admin' },
        ]),
      );
    });

    it('refuses the tokens of a removed member on the next request', async () => {
      const member = await addMember(ws, 'admin');
      const { secret } = await issue(ws, member.id);
      await ok(call('GET', `/v1/workspaces/${ws}`, secret));
      expect((await call('DELETE', `/v1/workspaces/${ws}/members/${member.id}`)).status).toBe(204);
      await problem(call('GET', `/v1/workspaces/${ws}`, secret), 401, 'auth/invalid-credentials');
      await problem(
        call('DELETE', `/v1/workspaces/${ws}/members/${member.id}`),
        404,
        'workspaces/member-not-found',
      );
      await problem(
        call('POST', `/v1/workspaces/${ws}/tokens`, undefined, { memberId: member.id }),
        404,
        'workspaces/member-not-found',
      );
    });

    it('returns ready-to-paste client configuration holding the token', async () => {
      const created = await ok(
        call('POST', `/v1/workspaces/${ws}/tokens`, undefined, { memberId: members.developer }),
        201,
      );
      const { slug, gatewayUrl } = await ok(call('GET', `/v1/workspaces/${ws}`));
      const headers = { Authorization: `Bearer ${created.secret}` };
      expect(created.clientConfig.cursor).toEqual({ mcpServers: { [slug]: { url: gatewayUrl, headers } } });
      expect(created.clientConfig.vscode).toEqual({
        servers: { [slug]: { type: 'http', url: gatewayUrl, headers } },
      });
      expect(created.clientConfig.claudeDesktop).toEqual({
        mcpServers: {
          [slug]: {
            command: 'npx',
            args: [
              '-y',
              expect.stringMatching(/^mcp-remote@\d+\.\d+\.\d+$/),
              gatewayUrl,
              '--header',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote substitutes ${VAR} from env.
              'Authorization:${AEROSTACK_TOKEN}',
            ],
            env: { AEROSTACK_TOKEN: `Bearer ${created.secret}` },
          },
        },
      });
      // The secret is shown once: no list or audit entry holds it.
      for (const path of ['tokens', 'audit', 'members']) {
        expect((await call('GET', `/v1/workspaces/${ws}/${path}?limit=1000`)).text).not.toContain(
          created.secret,
        );
      }
    });

    it('replays an idempotent token creation with the same token', async () => {
      const headers = { 'Idempotency-Key': `tok-${backend.name}` };
      const body = { memberId: members.readOnly };
      const first = await t.call({
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        auth: t.keys.accountKey,
        headers,
        body,
      });
      const again = await t.call({
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        auth: t.keys.accountKey,
        headers,
        body,
      });
      expect(first.status).toBe(201);
      expect(again.json).toEqual(first.json);
    });
  });

  describe('bad requests', () => {
    const rows = (): Row[] => [
      {
        name: 'create, unknown field',
        method: 'POST',
        path: '/v1/workspaces',
        body: { name: 'n', plan: 'pro' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, no name',
        method: 'POST',
        path: '/v1/workspaces',
        body: {},
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, name a number',
        method: 'POST',
        path: '/v1/workspaces',
        body: { name: 5 },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, negative limit',
        method: 'POST',
        path: '/v1/workspaces',
        body: { name: 'n', limits: { maxServers: -1 } },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, fractional limit',
        method: 'POST',
        path: '/v1/workspaces',
        body: { name: 'n', limits: { requestsPerMinute: 1.5 } },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, unknown limit',
        method: 'POST',
        path: '/v1/workspaces',
        body: { name: 'n', limits: { seats: 3 } },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'create, not JSON',
        method: 'POST',
        path: '/v1/workspaces',
        body: '{"name":',
        status: 400,
        code: 'request/invalid-json',
      },
      {
        name: 'update, empty',
        method: 'PATCH',
        path: `/v1/workspaces/${ws}`,
        body: {},
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'update, unknown field',
        method: 'PATCH',
        path: `/v1/workspaces/${ws}`,
        body: { accountId: 'acc_x' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'malformed id',
        method: 'GET',
        path: '/v1/workspaces/ws_1',
        status: 400,
        code: 'request/invalid-parameters',
      },
      {
        name: 'bad cursor',
        method: 'GET',
        path: '/v1/workspaces?cursor=nope',
        status: 400,
        code: 'request/invalid-parameters',
      },
      {
        name: 'member, bad role',
        method: 'POST',
        path: `/v1/workspaces/${ws}/members`,
        body: { name: 'n', role: 'owner' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'member, bad email',
        method: 'POST',
        path: `/v1/workspaces/${ws}/members`,
        body: { name: 'n', role: 'admin', email: 'not an email' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'member, unknown field',
        method: 'POST',
        path: `/v1/workspaces/${ws}/members`,
        body: { name: 'n', role: 'admin', admin: true },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'member update, empty',
        method: 'PATCH',
        path: `/v1/workspaces/${ws}/members/${members.developer}`,
        body: {},
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'member, unknown id',
        method: 'PATCH',
        path: `/v1/workspaces/${ws}/members/mem_${'0'.repeat(20)}`,
        body: { name: 'x' },
        status: 404,
        code: 'workspaces/member-not-found',
      },
      {
        name: 'token, no member',
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        body: {},
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'token, malformed member',
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        body: { memberId: 'mem_1' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'token, expiry not a time',
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        body: { memberId: members.admin, expiresAt: 'tomorrow' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'token, unknown field',
        method: 'POST',
        path: `/v1/workspaces/${ws}/tokens`,
        body: { memberId: members.admin, role: 'admin' },
        status: 400,
        code: 'request/invalid-body',
      },
      {
        name: 'token, malformed id',
        method: 'DELETE',
        path: `/v1/workspaces/${ws}/tokens/key_1`,
        status: 400,
        code: 'request/invalid-parameters',
      },
    ];
    it('answers problem+json with a stable code', async () => {
      for (const row of rows()) {
        const res = await call(row.method, row.path, undefined, row.body);
        expect(res.status, `${row.name}: ${res.text}`).toBe(row.status);
        expect(res.headers.get('content-type'), row.name).toContain('application/problem+json');
        expect(res.json.code, row.name).toBe(row.code);
      }
    });

    it('needs a credential, and refuses a forged token', async () => {
      await problem(t.call({ method: 'GET', path: `/v1/workspaces/${ws}` }), 401, 'auth/missing-credentials');
      await problem(
        call('GET', `/v1/workspaces/${ws}`, `mwt_${'A'.repeat(40)}`),
        401,
        'auth/invalid-credentials',
      );
      await problem(call('GET', `/v1/workspaces/${ws}`, 'mwt_short'), 401, 'auth/invalid-credentials');
    });
  });
});
