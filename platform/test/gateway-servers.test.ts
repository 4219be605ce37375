import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type Answer, type TestPlatform, testPlatform } from './support/harness.js';
import { LONG_TOOL_NAME, startUpstream, type Upstream } from './support/mcp-upstreams.js';

// The servers behind a workspace's gateway (decision 0037): CRUD with slugs, kinds, the SSRF guard
// at registration, composition loops, the server limit (also under concurrent creates), who may
// manage them, the audit trail, the endpoint's enabled-server list and health from real upstreams.

const NO_SERVER = `srv_${'0'.repeat(20)}`;

describe.each(BACKENDS)('gateway servers on $name', (backend) => {
  let t: TestPlatform;
  let upstream: Upstream;
  let ws: string;
  let other: string;
  let intruderWs: string;
  let tokens: { admin: string; developer: string; otherAdmin: string; intruder: string };

  const call = (method: string, path: string, auth: string = t.keys.accountKey, body?: unknown) =>
    t.call({ method, path, auth, body });
  const ok = async (res: Promise<Answer>, status = 200) => {
    const answer = await res;
    expect(answer.status, answer.text).toBe(status);
    return answer.json;
  };
  const problem = async (res: Promise<Answer>, status: number, code: string) => {
    const answer = await res;
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.json.code, answer.text).toBe(code);
    return answer.json;
  };
  const servers = (workspaceId: string) => `/v1/workspaces/${workspaceId}/servers`;
  const create = (workspaceId: string, body: object, auth?: string) =>
    call('POST', servers(workspaceId), auth, body);
  const workspace = async (name: string, auth?: string) =>
    (await ok(call('POST', '/v1/workspaces', auth, { name }), 201)).id as string;
  const token = async (workspaceId: string, role: string) => {
    const member = await ok(
      call('POST', `/v1/workspaces/${workspaceId}/members`, undefined, { name: role, role }),
      201,
    );
    const issued = await ok(
      call('POST', `/v1/workspaces/${workspaceId}/tokens`, undefined, { memberId: member.id }),
      201,
    );
    return issued.secret as string;
  };
  const audit = async (workspaceId: string) =>
    (await ok(call('GET', `/v1/workspaces/${workspaceId}/audit?limit=1000`))).data as {
      action: string;
      target: string | null;
      details: Record<string, unknown>;
      actor: { type: string };
    }[];

  beforeAll(async () => {
    upstream = await startUpstream('echo');
    t = await testPlatform(backend, { env: { AEROSTACK_GATEWAY_ALLOW_HOSTS: '127.0.0.1' } });
    ws = await workspace('Acme tools');
    other = await workspace('Other tools');
    const { account, keys, database } = t.platform.services;
    const intruderAccount = (await account.create(database.db, 'Intruder')).id;
    const intruderKey = (
      await keys.issue(database.db, { accountId: intruderAccount, projectId: null }, 'account')
    ).key;
    intruderWs = await workspace('Intruder tools', intruderKey);
    tokens = {
      admin: await token(ws, 'admin'),
      developer: await token(ws, 'developer'),
      otherAdmin: await token(other, 'admin'),
      intruder: intruderKey,
    };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await upstream?.stop();
  });

  it('creates a proxied server with a derived slug, gets, lists with a cursor, updates and deletes it', async () => {
    const created = await ok(create(ws, { name: 'Echo Server!', url: upstream.url }), 201);
    expect(created).toMatchObject({
      slug: 'echo-server',
      name: 'Echo Server!',
      kind: 'proxy',
      url: upstream.url,
      transport: 'streamable-http',
      workspaceId: null,
      secretHeaders: [],
      bearerSecret: null,
      enabled: true,
      disabledTools: [],
      timeoutMs: null,
      health: { status: 'unknown', checkedAt: null, latencyMs: null, error: null },
    });
    expect(created.id).toMatch(/^srv_/);
    expect(await ok(call('GET', `${servers(ws)}/${created.id}`))).toEqual(created);

    const second = await ok(
      create(ws, { name: 'x', slug: 'second_one', url: upstream.url, transport: 'sse' }),
      201,
    );
    const page1 = await ok(call('GET', `${servers(ws)}?limit=1`));
    expect(page1.data.map((s: { id: string }) => s.id)).toEqual([created.id]);
    const page2 = await ok(call('GET', `${servers(ws)}?limit=1&cursor=${page1.nextCursor}`));
    expect(page2.data.map((s: { id: string }) => s.id)).toEqual([second.id]);

    const updated = await ok(
      call('PATCH', `${servers(ws)}/${created.id}`, tokens.admin, {
        name: 'Echo',
        secretHeaders: ['API_KEY'],
        bearerSecret: 'TOKEN',
        timeoutMs: 5000,
        enabled: false,
      }),
    );
    expect(updated).toMatchObject({
      name: 'Echo',
      secretHeaders: ['API_KEY'],
      bearerSecret: 'TOKEN',
      timeoutMs: 5000,
      enabled: false,
    });
    expect(updated.updatedAt >= created.updatedAt).toBe(true);
    const cleared = await ok(
      call('PATCH', `${servers(ws)}/${created.id}`, undefined, { bearerSecret: null, timeoutMs: null }),
    );
    expect(cleared).toMatchObject({ bearerSecret: null, timeoutMs: null, secretHeaders: ['API_KEY'] });

    await ok(call('DELETE', `${servers(ws)}/${created.id}`, tokens.admin), 204);
    await ok(call('DELETE', `${servers(ws)}/${second.id}`), 204);
    await problem(call('GET', `${servers(ws)}/${created.id}`), 404, 'gateway/not-found');
    await problem(call('DELETE', `${servers(ws)}/${created.id}`), 404, 'gateway/not-found');
  });

  const invalidBodies: [string, object][] = [
    ['a slug with __', { name: 'a', slug: 'a__b', url: 'http://127.0.0.1:1/mcp' }],
    ['an upper-case slug', { name: 'a', slug: 'Echo', url: 'http://127.0.0.1:1/mcp' }],
    ['a slug of 33 characters', { name: 'a', slug: 'a'.repeat(33), url: 'http://127.0.0.1:1/mcp' }],
    ['a slug ending in -', { name: 'a', slug: 'echo-', url: 'http://127.0.0.1:1/mcp' }],
    ['an unknown field', { name: 'a', url: 'http://127.0.0.1:1/mcp', headers: { 'x-a': 'b' } }],
    ['a number for a name', { name: 5, url: 'http://127.0.0.1:1/mcp' }],
    ['no name', { url: 'http://127.0.0.1:1/mcp' }],
    ['an unknown transport', { name: 'a', url: 'http://127.0.0.1:1/mcp', transport: 'websocket' }],
    ['a lower-case secret name', { name: 'a', url: 'http://127.0.0.1:1/mcp', secretHeaders: ['api_key'] }],
    ['a timeout under 100 ms', { name: 'a', url: 'http://127.0.0.1:1/mcp', timeoutMs: 5 }],
    ['a url that is no URL', { name: 'a', url: 'not a url' }],
  ];
  it.each(invalidBodies)('refuses %s with 400 request/invalid-body', async (_, body) => {
    await problem(create(ws, body), 400, 'request/invalid-body');
  });

  const refusedUrls: [string, string, string][] = [
    ['another loopback address', 'http://127.0.0.2:8080/mcp', 'loopback'],
    ['IPv6 loopback', 'http://[::1]:8080/mcp', 'loopback'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.2]/mcp', 'loopback'],
    ['a private address', 'http://10.1.2.3/mcp', 'private'],
    ['a private address in hex', 'http://0xc0a80001/mcp', 'private'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data', 'metadata'],
    ['the metadata host name', 'http://metadata.google.internal/computeMetadata/v1', 'metadata'],
    ['the unspecified address', 'http://0.0.0.0:8080/mcp', 'unspecified'],
    ['a non-http scheme', 'file:///etc/passwd', 'http and https'],
  ];
  it.each(refusedUrls)('refuses %s with 422 gateway/url-refused', async (_, url, why) => {
    const body = await problem(create(ws, { name: 'bad', url }), 422, 'gateway/url-refused');
    expect(body.detail).toContain(why);
    if (!url.startsWith('file:')) expect(body.detail).toContain('AEROSTACK_GATEWAY_ALLOW_HOSTS');
  });

  it('refuses a refused URL on update too, and a URL with credentials in it', async () => {
    const s = await ok(create(ws, { name: 'upd', url: upstream.url }), 201);
    await problem(
      call('PATCH', `${servers(ws)}/${s.id}`, undefined, { url: 'http://127.0.0.2/mcp' }),
      422,
      'gateway/url-refused',
    );
    await problem(
      create(ws, { name: 'creds', url: 'http://user:pw@127.0.0.1:1/mcp' }),
      422,
      'gateway/invalid-server',
    );
    expect((await ok(call('GET', `${servers(ws)}/${s.id}`))).url).toBe(upstream.url);
    await ok(call('DELETE', `${servers(ws)}/${s.id}`), 204);
  });

  it('checks that the fields fit the kind', async () => {
    await problem(create(ws, { name: 'no url' }), 422, 'gateway/invalid-server');
    await problem(
      create(ws, { name: 'both', url: upstream.url, workspaceId: other }),
      422,
      'gateway/invalid-server',
    );
    await problem(create(ws, { name: 'c', kind: 'workspace' }), 422, 'gateway/invalid-server');
    const composed = await problem(
      create(ws, { name: 'c', kind: 'workspace', workspaceId: other, secretHeaders: ['A'] }),
      422,
      'gateway/invalid-server',
    );
    expect(composed.detail).toContain('secretHeaders');
    await problem(create(ws, { name: '!!!', url: upstream.url }), 422, 'gateway/invalid-server');
  });

  it('answers 409 gateway/slug-taken for a slug in use, also on update and under concurrent creates', async () => {
    const a = await ok(create(ws, { name: 'a', slug: 'dup', url: upstream.url }), 201);
    await problem(create(ws, { name: 'b', slug: 'dup', url: upstream.url }), 409, 'gateway/slug-taken');
    // Another workspace may use it.
    const elsewhere = await ok(create(other, { name: 'b', slug: 'dup', url: upstream.url }), 201);
    const b = await ok(create(ws, { name: 'b', slug: 'dup2', url: upstream.url }), 201);
    await problem(
      call('PATCH', `${servers(ws)}/${b.id}`, undefined, { slug: 'dup' }),
      409,
      'gateway/slug-taken',
    );

    const racing = await Promise.all(
      Array.from({ length: 6 }, () => create(ws, { name: 'r', slug: 'racing', url: upstream.url })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of racing.filter((r) => r.status === 409)) expect(r.json.code).toBe('gateway/slug-taken');

    for (const id of [a.id, b.id, racing.find((r) => r.status === 201)!.json.id])
      await ok(call('DELETE', `${servers(ws)}/${id}`), 204);
    await ok(call('DELETE', `${servers(other)}/${elsewhere.id}`), 204);
  });

  it('replays a create with the same Idempotency-Key instead of adding a second server', async () => {
    const send = () =>
      t.call({
        method: 'POST',
        path: servers(ws),
        auth: t.keys.accountKey,
        headers: { 'idempotency-key': 'create-once' },
        body: { name: 'once', url: upstream.url },
      });
    const first = await ok(send(), 201);
    expect(await ok(send(), 201)).toEqual(first);
    const all = (await ok(call('GET', `${servers(ws)}?limit=1000`))).data as { slug: string }[];
    expect(all.filter((s) => s.slug === 'once')).toHaveLength(1);
    await ok(call('DELETE', `${servers(ws)}/${first.id}`), 204);
  });

  it('keeps to the workspace limit, also when creates race', async () => {
    const limited = await workspace('Limited');
    await ok(call('PATCH', `/v1/workspaces/${limited}`, undefined, { limits: { maxServers: 3 } }));
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create(limited, { name: `s${i}`, url: upstream.url })),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(3);
    for (const r of racing.filter((r) => r.status !== 201)) {
      expect(r.status, r.text).toBe(403);
      expect(r.json.code).toBe('workspaces/limit-reached');
    }
    const list = await ok(call('GET', servers(limited)));
    expect(list.data).toHaveLength(3);
  });

  it('composes another workspace of the account and refuses loops', async () => {
    const [a, b, c] = [await workspace('Comp A'), await workspace('Comp B'), await workspace('Comp C')];
    const ab = await ok(create(a, { name: 'b', kind: 'workspace', workspaceId: b }), 201);
    expect(ab).toMatchObject({ kind: 'workspace', workspaceId: b, url: null, transport: 'streamable-http' });
    await ok(create(b, { name: 'c', kind: 'workspace', workspaceId: c }), 201);
    const loop = await problem(
      create(c, { name: 'a', kind: 'workspace', workspaceId: a }),
      422,
      'gateway/composition-loop',
    );
    expect(loop.detail).toContain('loop');
    await problem(
      create(a, { name: 'self', kind: 'workspace', workspaceId: a }),
      422,
      'gateway/composition-loop',
    );
    // A disabled composition still counts: enabling it later must not make a loop.
    await ok(call('PATCH', `${servers(a)}/${ab.id}`, undefined, { enabled: false }));
    await problem(
      create(b, { name: 'a', kind: 'workspace', workspaceId: a }),
      422,
      'gateway/composition-loop',
    );
    await problem(
      call('PATCH', `${servers(a)}/${ab.id}`, undefined, { url: upstream.url }),
      422,
      'gateway/invalid-server',
    );
    // Another account's workspace, or one the token does not manage, is not found.
    await problem(
      create(a, { name: 'x', kind: 'workspace', workspaceId: intruderWs }),
      404,
      'workspaces/not-found',
    );
    await problem(
      create(ws, { name: 'x', kind: 'workspace', workspaceId: other }, tokens.admin),
      404,
      'workspaces/not-found',
    );

    expect((await ok(call('POST', `${servers(a)}/${ab.id}/check`))).status).toBe('ok');
    await problem(call('GET', `${servers(a)}/${ab.id}/tools`), 422, 'gateway/not-a-proxy');
    // Deleting the composed workspace removes the servers that compose it.
    await ok(call('DELETE', `/v1/workspaces/${b}`), 204);
    await problem(call('GET', `${servers(a)}/${ab.id}`), 404, 'gateway/not-found');
  });

  it('lets the account key and admin tokens of the workspace manage servers, nobody else', async () => {
    const s = await ok(create(ws, { name: 'roles', url: upstream.url }, tokens.admin), 201);
    const path = `${servers(ws)}/${s.id}`;
    await problem(call('GET', servers(ws), tokens.developer), 403, 'workspaces/forbidden');
    await problem(
      create(ws, { name: 'dev', url: upstream.url }, tokens.developer),
      403,
      'workspaces/forbidden',
    );
    await problem(call('PATCH', path, tokens.developer, { enabled: false }), 403, 'workspaces/forbidden');
    await problem(call('DELETE', path, tokens.developer), 403, 'workspaces/forbidden');
    await problem(call('POST', `${path}/check`, tokens.developer), 403, 'workspaces/forbidden');
    await problem(call('GET', path, tokens.otherAdmin), 404, 'workspaces/not-found');
    await problem(call('GET', path, tokens.intruder), 404, 'workspaces/not-found');
    await problem(call('GET', `${servers(intruderWs)}`), 404, 'workspaces/not-found');
    // A server id of another workspace is not found in this one.
    await problem(call('GET', `${servers(other)}/${s.id}`), 404, 'gateway/not-found');
    await problem(call('GET', `${servers(ws)}/${NO_SERVER}`), 404, 'gateway/not-found');
    await problem(call('GET', `${servers(ws)}/srv_bad!`), 400, 'request/invalid-parameters');
    await problem(call('GET', path, 'mwt_nope'), 401, 'auth/invalid-credentials');
    await ok(call('DELETE', path, tokens.admin), 204);
  });

  it('audits additions, changes, tool switches and removals without values', async () => {
    const s = await ok(
      create(
        ws,
        { name: 'audited', url: upstream.url, secretHeaders: ['API_KEY'], disabledTools: ['write'] },
        tokens.admin,
      ),
      201,
    );
    const path = `${servers(ws)}/${s.id}`;
    await ok(call('PATCH', path, undefined, { disabledTools: ['echo'], url: `${upstream.url}?key=hush` }));
    await ok(call('DELETE', path), 204);
    const events = (await audit(ws)).filter((e) => e.target === s.id);
    expect(events.map((e) => e.action).sort()).toEqual(
      ['server.added', 'server.removed', 'server.updated', 'tool.disabled', 'tool.enabled'].sort(),
    );
    expect(events.find((e) => e.action === 'server.added')).toMatchObject({
      actor: { type: 'member' },
      details: { slug: 'audited', kind: 'proxy' },
    });
    expect(events.find((e) => e.action === 'server.updated')?.details).toEqual({ fields: ['url'] });
    expect(events.find((e) => e.action === 'tool.disabled')?.details).toEqual({ tool: 'echo' });
    expect(events.find((e) => e.action === 'tool.enabled')?.details).toEqual({ tool: 'write' });
    expect(JSON.stringify(events)).not.toContain('hush');
  });

  it('serves the enabled servers by slug to the endpoint, changes included at once', async () => {
    const w = await workspace('Enabled list');
    const { servers: service } = t.platform.services.gateway;
    expect(await service.enabledFor(w)).toEqual([]);
    const z = await ok(create(w, { name: 'zeta', url: upstream.url }), 201);
    const a = await ok(create(w, { name: 'alpha', url: upstream.url, bearerSecret: 'TOKEN' }), 201);
    await ok(create(w, { name: 'off', url: upstream.url, enabled: false }), 201);
    expect((await service.enabledFor(w)).map((s) => s.slug)).toEqual(['alpha', 'zeta']);
    expect((await service.enabledFor(w))[0]).toMatchObject({
      id: a.id,
      workspaceId: w,
      kind: 'proxy',
      bearerSecret: 'TOKEN',
      targetWorkspaceId: null,
      enabled: true,
    });
    await ok(call('PATCH', `${servers(w)}/${z.id}`, undefined, { enabled: false }));
    expect((await service.enabledFor(w)).map((s) => s.slug)).toEqual(['alpha']);
    await ok(call('DELETE', `${servers(w)}/${a.id}`), 204);
    expect(await service.enabledFor(w)).toEqual([]);
  });

  it('lists the upstream tools with gateway names, and checks health against the live upstream', async () => {
    const s = await ok(
      create(ws, { name: 'live', slug: 'live-echo', url: upstream.url, disabledTools: ['write'] }),
      201,
    );
    const path = `${servers(ws)}/${s.id}`;
    const tools = (await ok(call('GET', `${path}/tools`, tokens.admin))).data;
    expect(tools.find((tool: { name: string }) => tool.name === 'echo')).toEqual({
      name: 'echo',
      gatewayName: 'live-echo__echo',
      enabled: true,
      description: 'Returns its text.',
      readOnly: true,
    });
    expect(tools.find((tool: { name: string }) => tool.name === 'write')).toMatchObject({
      enabled: false,
      readOnly: false,
    });
    const long = tools.find((tool: { name: string }) => tool.name === LONG_TOOL_NAME);
    expect(long.gatewayName.length).toBe(64);

    const health = await ok(call('POST', `${path}/check`));
    expect(health).toMatchObject({ status: 'ok', error: null });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    expect((await ok(call('GET', path))).health).toEqual(health);
  });

  it('records an unreachable upstream as unhealthy, with why, and the tools as 502', async () => {
    const down = await startUpstream('echo');
    const s = await ok(create(ws, { name: 'down', url: down.url }), 201);
    await down.stop();
    const path = `${servers(ws)}/${s.id}`;
    const health = await ok(call('POST', `${path}/check`));
    expect(health.status).toBe('error');
    expect(health.error).toContain('could not be reached');
    expect((await ok(call('GET', path))).health).toEqual(health);
    await problem(call('GET', `${path}/tools`), 502, 'gateway/upstream-unavailable');
  });

  it('deletes the servers of a deleted workspace', async () => {
    const w = await workspace('Doomed');
    await ok(create(w, { name: 'gone', url: upstream.url }), 201);
    await ok(call('DELETE', `/v1/workspaces/${w}`), 204);
    const { database } = t.platform.services;
    const rows = await database.db
      .selectFrom('gateway_servers' as never)
      .select('id' as never)
      .where('workspace_id' as never, '=', w as never)
      .execute();
    expect(rows).toEqual([]);
  });
});
