import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf as failure } from '../../core/test/support/rejection';
import { type AdminClient, createAdminClient } from '../src';

// admin.hosting.deploy(projectId, dir) against the real platform on a port and its real workerd:
// a seed-004 project scaffolded in a temp dir (TypeScript entry, a helper module, a package from
// its own node_modules picked by its `workerd` export condition, a `cloudflare:` import left to
// the runtime) is bundled, uploaded and called over HTTP; problems found before the upload are
// located like the platform's, and the platform's own located errors pass through.

let platform: RunningPlatform;
let admin: AdminClient;
let root: string;

const TOML = `name = "sdk-dir"
main = "src/index.ts"
compatibility_date = "2025-01-01"

[vars]
GREETING = "hello"
`;

const PROJECT: Record<string, string> = {
  'aerostack.toml': TOML,
  'aerostack.json': `{
  // A function, not an MCP server: this project answers HTTP only.
  "name": "sdk-dir", "slug": "sdk-dir", "version": "1.0.0", "kind": "function",
}`,
  'package.json': '{ "name": "sdk-dir", "private": true, "dependencies": { "shout": "1.0.0" } }',
  'tsconfig.json': '{ "compilerOptions": { "strict": true, "module": "ESNext", "target": "ES2022" } }',
  'src/index.ts': `import { connect } from 'cloudflare:sockets';
import { shout, variant } from 'shout';
import { greet } from './greet';

interface Env { GREETING: string }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const who = new URL(request.url).searchParams.get('who') ?? 'world';
    return Response.json({ text: shout(greet(env.GREETING, who)), variant, sockets: typeof connect });
  },
};
`,
  'src/greet.ts': `export const greet = (greeting: string, who: string): string => \`\${greeting}, \${who}\`;
`,
  // A package whose exports differ by condition, as many do: workerd's must be the one bundled.
  'node_modules/shout/package.json': `{
  "name": "shout", "version": "1.0.0", "type": "module",
  "exports": { ".": { "workerd": "./workerd.js", "node": "./node.js", "default": "./default.js" } }
}`,
  'node_modules/shout/workerd.js':
    "export const variant = 'workerd';\nexport const shout = (s) => s.toUpperCase() + '!';\n",
  'node_modules/shout/node.js': "export const variant = 'node';\nexport const shout = (s) => s;\n",
  'node_modules/shout/default.js': "export const variant = 'default';\nexport const shout = (s) => s;\n",
};

/** Writes a project into a fresh directory under the test's root; `files` override or add (null removes). */
async function scaffold(name: string, files: Record<string, string | null> = {}): Promise<string> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries({ ...PROJECT, ...files })) {
    if (text === null) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aerostack-deploy-test-'));
  platform = await startTestPlatform();
  admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
}, 60_000);
afterAll(async () => {
  await platform?.close();
  await rm(root, { recursive: true, force: true });
});

describe('admin.hosting.deploy(projectId, dir)', () => {
  it('bundles the project and the function answers over HTTP', async () => {
    const deployment = await admin.hosting.deploy(platform.projectId, await scaffold('ok'));
    expect(deployment).toMatchObject({ worker: 'sdk-dir', version: 1, active: true, kind: 'function' });
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-dir');
    const res = await fetch(`${worker.url}/?who=deploy`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: 'HELLO, DEPLOY!', variant: 'workerd', sockets: 'function' });
  }, 60_000);

  it('redeploys a changed directory as the next version', async () => {
    const dir = await scaffold('ok', {
      'src/greet.ts':
        "export const greet = (greeting: string, who: string): string => greeting + ' again, ' + who;\n",
    });
    const deployment = await admin.hosting.deploy(platform.projectId, dir, { idempotencyKey: 'dir-v2' });
    expect(deployment.version).toBe(2);
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-dir');
    expect(await (await fetch(worker.url)).json()).toMatchObject({ text: 'HELLO AGAIN, WORLD!' });
  }, 60_000);

  it("bare Node built-ins are workerd's node: modules; a polyfill the project installs is bundled", async () => {
    const files = {
      'aerostack.toml': TOML.replace('"sdk-dir"', '"sdk-compat"').replace(
        'compatibility_date = "2025-01-01"',
        'compatibility_date = "2025-01-01"\ncompatibility_flags = ["nodejs_compat"]',
      ),
      'aerostack.json': null,
      'src/index.ts': `import { Buffer } from 'buffer';
import { EventEmitter } from 'events';

export default {
  fetch: (): Response => Response.json({ base64: Buffer.from('hi').toString('base64'), events: EventEmitter.source }),
};
`,
      'node_modules/events/package.json': '{ "name": "events", "version": "3.3.0", "main": "events.js" }',
      'node_modules/events/events.js': "export class EventEmitter { static source = 'polyfill'; }\n",
    };
    const deployment = await admin.hosting.deploy(platform.projectId, await scaffold('compat', files));
    expect(deployment.worker).toBe('sdk-compat');
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-compat');
    expect(await (await fetch(worker.url)).json()).toEqual({ base64: 'aGk=', events: 'polyfill' });

    // Without nodejs_compat workerd has no node:buffer: the platform's refusal passes through.
    const plain = await scaffold('no-compat', {
      ...files,
      'aerostack.toml': TOML.replace('"sdk-dir"', '"sdk-compat"'),
    });
    const error = await failure(admin.hosting.deploy(platform.projectId, plain));
    expect(error).toMatchObject({ code: 'hosting/worker-invalid', status: 422 });
    expect(error.message).toContain('node:buffer');
    await admin.hosting.workers.delete(platform.projectId, 'sdk-compat');
  }, 60_000);

  it("a syntax error fails with esbuild's located message and deploys nothing", async () => {
    const dir = await scaffold('syntax', {
      'src/greet.ts': 'export const greet = (greeting: string, who: string) => {\n  return greeting +;\n};\n',
    });
    const before = await admin.hosting.workers.get(platform.projectId, 'sdk-dir');
    const error = await failure(admin.hosting.deploy(platform.projectId, dir));
    expect(error).toMatchObject({ code: 'hosting/layout-invalid', status: 0 });
    expect(error.errors).toEqual([{ location: 'src/greet.ts:2:20', message: 'Unexpected ";"' }]);
    expect(error.message).toContain('src/greet.ts:2:20');
    const after = await admin.hosting.workers.get(platform.projectId, 'sdk-dir');
    expect(after.activeDeploymentId).toBe(before.activeDeploymentId);
    expect((await admin.hosting.deployments.list(platform.projectId, 'sdk-dir')).data).toHaveLength(2);
  }, 60_000);

  it('an import that does not resolve is located at the import', async () => {
    const dir = await scaffold('unresolved', { 'node_modules/shout/package.json': null });
    const error = await failure(admin.hosting.deploy(platform.projectId, dir));
    expect(error).toMatchObject({ code: 'hosting/layout-invalid', status: 0 });
    expect(error.errors).toEqual([{ location: 'src/index.ts:2:32', message: 'Could not resolve "shout"' }]);
  }, 60_000);

  it('a missing aerostack.toml, main or entry file is named', async () => {
    const noToml = await failure(
      admin.hosting.deploy(platform.projectId, await scaffold('no-toml', { 'aerostack.toml': null })),
    );
    expect(noToml).toMatchObject({ code: 'hosting/layout-invalid', status: 0 });
    expect(noToml.errors?.[0]?.location).toBe('aerostack.toml');
    expect(noToml.message).toContain(join(root, 'no-toml'));

    const noMain = await failure(
      admin.hosting.deploy(
        platform.projectId,
        await scaffold('no-main', { 'aerostack.toml': TOML.replace('main = "src/index.ts"\n', '') }),
      ),
    );
    expect(noMain.errors?.map((e) => e.location)).toEqual(['aerostack.toml:1:1']);

    const badMain = await failure(
      admin.hosting.deploy(
        platform.projectId,
        await scaffold('bad-main', { 'aerostack.toml': TOML.replace('"src/index.ts"', '["src/index.ts"]') }),
      ),
    );
    expect(badMain.errors?.map((e) => e.location)).toEqual(['aerostack.toml:2:1']);

    const noEntry = await failure(
      admin.hosting.deploy(platform.projectId, await scaffold('no-entry', { 'src/index.ts': null })),
    );
    expect(noEntry.errors).toEqual([
      {
        location: 'aerostack.toml:2:1',
        message: `\`main\` names src/index.ts, which is not a file in ${join(root, 'no-entry')}.`,
      },
    ]);

    const outside = await failure(
      admin.hosting.deploy(
        platform.projectId,
        await scaffold('outside', { 'aerostack.toml': TOML.replace('src/index.ts', '../ok/src/index.ts') }),
      ),
    );
    expect(outside.errors?.[0]?.message).toContain('outside the project directory');

    const missingDir = await failure(admin.hosting.deploy(platform.projectId, join(root, 'nowhere')));
    expect(missingDir.errors?.[0]?.location).toBe('aerostack.toml');
  }, 60_000);

  it("the platform's own located errors pass through as they are", async () => {
    const dir = await scaffold('platform-errors', {
      'aerostack.toml': TOML.replace('2025-01-01', '2025-02-30'),
      'aerostack.json': '{ "name": "x", "slug": "X", "kind": "function" }',
    });
    const error = await failure(admin.hosting.deploy(platform.projectId, dir));
    expect(error).toMatchObject({ code: 'hosting/layout-invalid', status: 422 });
    expect(error.requestId).toBeTruthy();
    expect(error.errors?.map((e) => e.location)).toEqual(['aerostack.toml:3:1', 'aerostack.json:1:16']);
  }, 60_000);
});
