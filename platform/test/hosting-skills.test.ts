import { createServer, type Server as HttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_INTERVAL_MS } from '../src/modules/hosting/catalog/refresh.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { adminApi, expectStatus, memberToken } from './support/gateway-admin.js';
import { configFor } from './support/harness.js';
import { mcpClients } from './support/mcp-client.js';

// Skills end to end (decision 0053), over HTTP against a listening platform and its real workerd:
// a worker of kind `skill` declares one tool in aerostack.json; the deploy puts that tool in the
// project's catalogue; the platform (not the worker's code) answers MCP for it at the worker's
// `/mcp`, validates a call's arguments against the tool's inputSchema, and POSTs them as JSON to
// the worker's fetch, or to an external URL through the SSRF guard; a workspace adds it by its
// catalogue URL and the official MCP client calls it through /ws/{slug} with the workspace's
// secret as an X-Mcp-Secret header.

const TOML = (name: string) => `name = "${name}"
main = "src/index.js"
compatibility_date = "2025-06-01"
`;

// The skill's code: its fetch receives the arguments; its own /mcp must never be reached.
const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/mcp') return new Response('user code answered /mcp', { status: 418 });
    if (url.pathname === '/hello') return new Response('hello from the function');
    const args = await request.json();
    if (args.to === 'full@example.com') return new Response('mailbox full', { status: 503 });
    if (args.to === 'big@example.com') return new Response('x'.repeat(1_100_000));
    return Response.json({
      sent: args.to,
      subject: args.subject ?? null,
      method: request.method,
      tool: request.headers.get('x-aerostack-tool'),
      secret: request.headers.get('x-mcp-secret-mail_token'),
      inEnv: env.MAIL_TOKEN ?? null,
    });
  },
};
`;

const INPUT_SCHEMA = {
  type: 'object',
  properties: {
    to: { type: 'string', format: 'email' },
    subject: { type: 'string', maxLength: 50 },
  },
  required: ['to'],
  additionalProperties: false,
};

const skillJson = (slug: string, tool: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    kind: 'skill',
    name: `Skill ${slug}`,
    slug,
    description: 'Sends an email.',
    ...extra,
    tool,
  });

const SEND_EMAIL = {
  name: 'send_email',
  description: 'Sends an email to one recipient.',
  inputSchema: INPUT_SCHEMA,
  annotations: { title: 'Send email', destructiveHint: false, openWorldHint: true },
};

/** An external skill's URL: answers what it received, or 500 for `to: fail@…`. */
function startExternal(): Promise<{ server: HttpServer; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push(req.headers);
      const args = JSON.parse(body);
      if (args.to === 'fail@example.com') {
        res.writeHead(500).end('external failure');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ external: true, to: args.to, method: req.method, path: req.url }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, seen }),
    ),
  );
}

describe.each(BACKENDS)('skills on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let external: Awaited<ReturnType<typeof startExternal>>;
  let api: ReturnType<typeof adminApi>;
  let project: string;
  let workspaceId: string;
  let token: string;
  const clients = mcpClients('hosting-skills-test');

  const deploy = (name: string, json: string) =>
    api('POST', `/v1/projects/${project}/deployments`, {
      aerostackToml: TOML(name),
      aerostackJson: json,
      modules: [{ name: 'src/index.js', content: WORKER }],
    });
  const skillUrl = (worker: string) =>
    `${server.platform.services.config.publicUrl}/fn/${project}/${worker}/mcp`;

  const connect = clients.connect;
  const textOf = (result: object) => (result as { content: { text: string }[] }).content[0]!.text;

  beforeAll(async () => {
    stores = await backend.create();
    external = await startExternal();
    // The test's own external URL is on loopback: the operator allows that one address.
    const config = configFor(stores, { env: { AEROSTACK_HOSTING_ALLOW_HOSTS: '127.0.0.1' } });
    config.port = 0;
    config.publicUrl = 'http://127.0.0.1:0';
    server = await listen(config);
    api = adminApi(server.url, server.platform.keys!.accountKey);
    project = server.platform.keys!.projectId;
    workspaceId = (await expectStatus(api('POST', '/v1/workspaces', { name: 'Skills', slug: 'skills' }), 201))
      .id;
    token = (await memberToken(api, workspaceId, 'developer')).secret;
    await expectStatus(
      api('PUT', `/v1/workspaces/${workspaceId}/secrets/MAIL_TOKEN`, { value: 'mt-42' }),
      200,
    );
  }, 120_000);
  afterAll(async () => {
    await clients.closeAll();
    await server?.close(1_000);
    external?.server.close();
    await stores?.cleanup();
  });

  it('deploys a skill: its declared tool is in the catalogue under the worker URL', async () => {
    const res = await deploy('send-email', skillJson('send-email', SEND_EMAIL, { category: 'email' }));
    expect(res.status, res.text).toBe(201);
    expect(res.json.kind).toBe('skill');
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/send-email`), 200);
    expect(entry).toMatchObject({
      slug: 'send-email',
      worker: 'send-email',
      kind: 'skill',
      name: 'Skill send-email',
      url: skillUrl('send-email'),
      deploymentId: res.json.id,
      tools: [
        { name: 'send_email', description: 'Sends an email to one recipient.', inputSchema: INPUT_SCHEMA },
      ],
      manifestSource: 'heuristic',
      refresh: { status: 'ok', failures: 0 },
    });
    expect(entry.manifest).toMatchObject({ authRequired: 'none' });
  });

  it('the platform answers MCP at the worker URL: one tool, arguments validated before the function runs', async () => {
    const client = await connect(new URL(skillUrl('send-email')));
    expect(client.getServerVersion()?.name).toBe('send-email');
    const { tools } = await client.listTools();
    expect(tools).toEqual([{ ...SEND_EMAIL }]);

    const result = await client.callTool({
      name: 'send_email',
      arguments: { to: 'ada@example.com', subject: 'Hi' },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(textOf(result))).toEqual({
      sent: 'ada@example.com',
      subject: 'Hi',
      method: 'POST',
      tool: 'send_email',
      secret: null,
      inEnv: null,
    });

    for (const args of [
      {}, // required missing
      { to: 42 }, // wrong type
      { to: 'not-an-email' }, // format
      { to: 'ada@example.com', bcc: 'eve@example.com' }, // unknown field
      { to: 'ada@example.com', subject: 'x'.repeat(51) }, // too long
    ]) {
      const refused = await client.callTool({ name: 'send_email', arguments: args }).catch((e: unknown) => e);
      expect(refused, JSON.stringify(args)).toBeInstanceOf(McpError);
      expect((refused as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((refused as McpError).message).toContain('Invalid arguments for send_email');
    }
    const unknown = await client.callTool({ name: 'other', arguments: {} }).catch((e: unknown) => e);
    expect((unknown as McpError).code).toBe(ErrorCode.InvalidParams);

    // Concurrent calls each get their own arguments' answer.
    const many = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.callTool({ name: 'send_email', arguments: { to: `u${i}@example.com` } }),
      ),
    );
    expect(many.map((r) => JSON.parse(textOf(r)).sent)).toEqual(
      Array.from({ length: 12 }, (_, i) => `u${i}@example.com`),
    );

    // The function's own failure is the tool's error result, with its answer.
    const failed = await client.callTool({ name: 'send_email', arguments: { to: 'full@example.com' } });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe('The skill answered 503: mailbox full');
    const big = await client.callTool({ name: 'send_email', arguments: { to: 'big@example.com' } });
    expect([big.isError, textOf(big)]).toEqual([true, "The skill's answer exceeds 1048576 bytes."]);
  });

  it("the worker's other routes are still its own; /mcp takes POST only; a huge request is refused", async () => {
    const hello = await fetch(`${server.url}/fn/${project}/send-email/hello`);
    expect([hello.status, await hello.text()]).toEqual([200, 'hello from the function']);
    const get = await fetch(`${server.url}/fn/${project}/send-email/mcp`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const huge = await fetch(`${server.url}/fn/${project}/send-email/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'send_email', arguments: { to: 'a@example.com', subject: 'x'.repeat(2_000_000) } },
      }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { code: string }).code).toBe('request/body-too-large');
  });

  it('a workspace adds the skill by its URL; the official client calls it through the gateway with the secret as a header', async () => {
    const added = await api('POST', `/v1/workspaces/${workspaceId}/servers`, {
      name: 'Mailer',
      slug: 'mailer',
      url: skillUrl('send-email'),
      secretHeaders: ['MAIL_TOKEN'],
    });
    expect(added.status, added.text).toBe(201);
    const client = await connect(new URL('/ws/skills', server.url), { authorization: `Bearer ${token}` });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['mailer__send_email']);
    const result = await client.callTool({
      name: 'mailer__send_email',
      arguments: { to: 'bob@example.com' },
    });
    expect(JSON.parse(textOf(result))).toMatchObject({
      sent: 'bob@example.com',
      secret: 'mt-42',
      inEnv: null,
    });
    const refused = await client
      .callTool({ name: 'mailer__send_email', arguments: { to: 7 } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).message).toContain('Invalid arguments for send_email');
  });

  it('an external-URL skill goes through the SSRF guard: refused at deploy when private, called with the arguments when allowed', async () => {
    for (const url of ['http://10.0.0.1/send', 'http://169.254.169.254/latest', 'http://[::1]:8080/x']) {
      const refused = await deploy('ext', skillJson('ext', { ...SEND_EMAIL, url }));
      expect([refused.status, refused.json.code], url).toEqual([422, 'hosting/skill-url-refused']);
    }
    expect((await api('GET', `/v1/projects/${project}/workers/ext`)).status).toBe(404);

    const res = await deploy('ext', skillJson('ext', { ...SEND_EMAIL, url: external.url }));
    expect(res.status, res.text).toBe(201);
    const added = await api('POST', `/v1/workspaces/${workspaceId}/servers`, {
      name: 'External',
      slug: 'external',
      url: skillUrl('ext'),
      secretHeaders: ['MAIL_TOKEN'],
    });
    expect(added.status, added.text).toBe(201);
    const client = await connect(new URL('/ws/skills', server.url), { authorization: `Bearer ${token}` });
    const result = await client.callTool({
      name: 'external__send_email',
      arguments: { to: 'cy@example.com' },
    });
    expect(JSON.parse(textOf(result))).toEqual({
      external: true,
      to: 'cy@example.com',
      method: 'POST',
      path: '/send',
    });
    const last = external.seen[external.seen.length - 1]!;
    expect([last['x-mcp-secret-mail_token'], last['x-aerostack-tool']]).toEqual(['mt-42', 'send_email']);
    const failed = await client.callTool({
      name: 'external__send_email',
      arguments: { to: 'fail@example.com' },
    });
    expect([failed.isError, textOf(failed)]).toEqual([true, 'The skill answered 500: external failure']);
    // Invalid arguments never leave the platform.
    const count = external.seen.length;
    await expect(client.callTool({ name: 'external__send_email', arguments: {} })).rejects.toThrow(
      /Invalid arguments/,
    );
    expect(external.seen.length).toBe(count);
  });

  it('two skills whose schemas share an $id are each checked against their own schema', async () => {
    const schema = (required: string) => ({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:example:input',
      type: 'object',
      properties: { [required]: { type: 'string' } },
      required: [required],
    });
    for (const [worker, field] of [
      ['sms', 'phone'],
      ['push', 'device'],
    ] as const) {
      const res = await deploy(worker, skillJson(worker, { name: 'notify', inputSchema: schema(field) }));
      expect(res.status, res.text).toBe(201);
    }
    const sms = await connect(new URL(skillUrl('sms')));
    const push = await connect(new URL(skillUrl('push')));
    await expect(sms.callTool({ name: 'notify', arguments: { device: 'd1' } })).rejects.toThrow(
      /must have required property 'phone'/,
    );
    const sent = await push.callTool({ name: 'notify', arguments: { device: 'd1' } });
    expect(sent.isError).toBeFalsy();
    await expectStatus(api('DELETE', `/v1/projects/${project}/workers/sms`), 204);
    await expectStatus(api('DELETE', `/v1/projects/${project}/workers/push`), 204);
  });

  it('a bad tool declaration is a located layout error and deploys nothing', async () => {
    const cases: [string, string][] = [
      [JSON.stringify({ kind: 'skill', name: 'S', slug: 'bad' }), 'A skill needs `tool`'],
      [skillJson('bad', { name: 'x', inputSchema: { type: 'string' } }), '`tool.inputSchema` must be'],
      [
        skillJson('bad', { name: 'x', inputSchema: { type: 'object', properties: 3 } }),
        'not a valid JSON Schema',
      ],
      [skillJson('bad', { name: 'has space', inputSchema: INPUT_SCHEMA }), '`tool.name` must be'],
      [skillJson('bad', { ...SEND_EMAIL, annotations: { readOnlyHint: 'yes' } }), 'must be a boolean'],
      [skillJson('bad', { ...SEND_EMAIL, url: 'ftp://example.com/x' }), '`tool.url` must be an http'],
      [JSON.stringify({ name: 'S', slug: 'bad', tool: SEND_EMAIL }), 'set `"kind": "skill"`'],
    ];
    for (const [json, message] of cases) {
      const res = await deploy('bad', json);
      expect([res.status, res.json.code], json).toEqual([422, 'hosting/layout-invalid']);
      expect(res.json.errors.map((e: { message: string }) => e.message).join('\n'), json).toContain(message);
      expect(res.json.errors[0].location).toMatch(/^aerostack\.json:\d+:\d+$/);
    }
    expect((await api('GET', `/v1/projects/${project}/workers/bad`)).status).toBe(404);
  });

  it("another account cannot add the skill to its workspace; another project's catalogue does not hold it", async () => {
    const { account, keys, database } = server.platform.services;
    const accountId = (await account.create(database.db, 'Intruder')).id;
    const intruder = adminApi(
      server.url,
      (await keys.issue(database.db, { accountId, projectId: null }, 'account')).key,
    );
    const theirs = (await expectStatus(intruder('POST', '/v1/workspaces', { name: 'Theirs' }), 201)).id;
    const refused = await intruder('POST', `/v1/workspaces/${theirs}/servers`, {
      name: 'Stolen',
      url: skillUrl('send-email'),
    });
    expect([refused.status, refused.json.code]).toEqual([422, 'gateway/url-refused']);
    const other = await expectStatus(api('POST', '/v1/projects', { name: 'Other' }), 201);
    const elsewhere = await api('GET', `/v1/projects/${other.project.id}/catalog/send-email`);
    expect([elsewhere.status, elsewhere.json.code]).toEqual([404, 'hosting/catalog-entry-not-found']);
    // The skill's endpoint under the other project's id is no skill at all.
    const wrong = await fetch(`${server.url}/fn/${other.project.id}/send-email/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect([wrong.status, ((await wrong.json()) as { code: string }).code]).toEqual([
      404,
      'hosting/function-not-found',
    ]);
  });

  it('a redeploy with another tool changes what the catalogue and the endpoint list; the hourly refresh keeps it', async () => {
    const renamed = { ...SEND_EMAIL, name: 'send_mail', annotations: undefined };
    expect((await deploy('send-email', skillJson('send-email', renamed))).status).toBe(201);
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/send-email`), 200);
    expect(entry.tools.map((t: { name: string }) => t.name)).toEqual(['send_mail']);
    const client = await connect(new URL(skillUrl('send-email')));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['send_mail']);

    // A rollback to the first deployment brings its tool back, in the catalogue and at the endpoint.
    const history = await expectStatus(
      api('GET', `/v1/projects/${project}/workers/send-email/deployments`),
      200,
    );
    const first = history.data[history.data.length - 1].id;
    const rolled = await api('POST', `/v1/projects/${project}/workers/send-email/rollback`, {
      deploymentId: first,
    });
    expect(rolled.status, rolled.text).toBe(201);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['send_email']);
    expect(
      (await expectStatus(api('GET', `/v1/projects/${project}/catalog/send-email`), 200)).tools[0].name,
    ).toBe('send_email');
    expect((await deploy('send-email', skillJson('send-email', renamed))).status).toBe(201);

    const refresh = server.platform.services.hosting.catalog.refresh;
    expect(await refresh.pass(Date.now() + REFRESH_INTERVAL_MS + 1_000)).toBe(2);
    const after = await expectStatus(api('GET', `/v1/projects/${project}/catalog/send-email`), 200);
    expect(after.refresh).toMatchObject({ status: 'ok', failures: 0, lastError: null });
    expect(after.tools).toEqual(entry.tools);
  });
});
