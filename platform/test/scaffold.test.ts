import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Config } from '../src/config.js';
import { randomBase62 } from '../src/lib/ids.js';
import type { Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import type { Answer, Call } from './support/harness.js';
import { rowsNaming } from './support/project-traces.js';

// The acceptance test of the module template (docs/modules.md): "the next module can be added by
// copying a template and touching nothing outside its folder but one registry line".
//
// In a scratch copy of the repository (inside platform/, so node_modules still resolve; git-ignored)
// committed to a git repository of its own, `scripts/new-module.mjs` scaffolds a module. Then the
// copy is taken through `pnpm generate`'s steps (bundle the fragments in registry order, spec
// types, the Go / Python / Dart generators in memory, so nothing under clients/ is written) and
// the new module is typechecked, linted, booted from the copy's registry and called over HTTP.

const NAME = 'scaffold-probes';
const AREA = 'scaffoldProbes';
const TABLE = 'scaffold_probes';
const FOLDER = `platform/src/modules/${NAME}`;
const REGISTRY = 'platform/src/modules/registry.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const scratch = join(repo, 'platform', `.scaffold-${randomBase62(8)}`);
const require = createRequire(import.meta.url);
// Git variables inherited from a hook would point every command at the outer repository.
const gitEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=scaffold', '-c', 'user.email=scaffold@test', ...args], {
    cwd: scratch,
    env: gitEnv,
    encoding: 'utf8',
  });
const scaffold = (...args: string[]) =>
  spawnSync(process.execPath, [join(repo, 'scripts/new-module.mjs'), ...args, '--root', scratch], {
    encoding: 'utf8',
  });

type Json = Record<string, unknown>;
let status: string[];
let numstat: string;
let registryDiff: string;
let scaffoldOutput: string;
let bundled: Json & { paths: Json; 'x-aerostack-error-codes': Json };
let typecheck: Promise<{ code: number | null; output: string }>;
let tsc: ChildProcess | undefined;

/** `pnpm generate`, minus writing the clients: spec/openapi.json, types and error codes of the copy. */
async function generate(): Promise<typeof bundled> {
  const { bundle } = (await import(pathToFileURL(join(scratch, 'spec/bundle.mjs')).href)) as {
    bundle(root: unknown, fragments: Array<{ name: string; document: unknown }>): typeof bundled;
  };
  const registry = readFileSync(join(scratch, REGISTRY), 'utf8');
  const names = [...registry.matchAll(/import\('\.\/([\w-]+)\/module\.js'\)/g)].map((m) => m[1]!);
  const fragments = names
    .map((name) => ({ name, file: join(scratch, 'platform/src/modules', name, 'spec.yaml') }))
    .filter(({ file }) => existsSync(file))
    .map(({ name, file }) => ({ name, document: parse(readFileSync(file, 'utf8')) }));
  const doc = bundle(parse(readFileSync(join(scratch, 'spec/openapi.yaml'), 'utf8')), fragments);
  writeFileSync(join(scratch, 'spec/openapi.json'), JSON.stringify(doc, null, 2));
  const ast = await openapiTS(doc as never, {
    alphabetize: false,
    exportType: false,
    defaultNonNullable: false,
  });
  writeFileSync(join(scratch, 'spec/types.ts'), astToString(ast));
  const codes = JSON.stringify(Object.keys(doc['x-aerostack-error-codes']).sort());
  writeFileSync(
    join(scratch, 'spec/error-codes.ts'),
    `export const ERROR_CODES = ${codes} as const;\nexport type ErrorCode = (typeof ERROR_CODES)[number];\n`,
  );
  return doc;
}

/** tsc on the new module (and everything it imports) against the copy's regenerated spec types. */
function startTypecheck() {
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { lib: ['ES2022'], types: ['node'], declaration: false, sourceMap: false },
      files: [`${FOLDER}/module.ts`],
    }),
  );
  const child = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', scratch], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  tsc = child;
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
}

beforeAll(async () => {
  mkdirSync(join(scratch, 'platform'), { recursive: true });
  for (const dir of ['platform/src', 'platform/templates', 'spec', 'scripts']) {
    cpSync(join(repo, dir), join(scratch, dir), { recursive: true });
  }
  cpSync(join(repo, '.gitignore'), join(scratch, '.gitignore'));
  // The copy's platform reads the copy's spec (the bundled spec and its types) as @aerostack/spec;
  // every other dependency resolves to platform/node_modules above it.
  mkdirSync(join(scratch, 'node_modules/@aerostack'), { recursive: true });
  symlinkSync('../../spec', join(scratch, 'node_modules/@aerostack/spec'));
  git('init', '--quiet');
  git('add', '--all');
  git('commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', 'the repository before the module');

  const run = scaffold(NAME);
  scaffoldOutput = run.stdout + run.stderr;
  if (run.status !== 0) throw new Error(`new-module failed: ${scaffoldOutput}`);
  status = git('status', '--porcelain', '--untracked-files=all').trimEnd().split('\n');
  numstat = git('diff', '--numstat').trim();
  registryDiff = git('diff', '--unified=0', '--', REGISTRY);

  bundled = await generate();
  typecheck = startTypecheck();
});

afterAll(() => {
  tsc?.kill();
  rmSync(scratch, { recursive: true, force: true });
});

describe('pnpm new-module', () => {
  it('touches only the new folder and one registry line', () => {
    const templateFiles = readdirSync(join(repo, 'platform/templates/module')).sort();
    expect(status.sort()).toEqual([` M ${REGISTRY}`, ...templateFiles.map((file) => `?? ${FOLDER}/${file}`)]);
    expect(numstat).toBe(`1\t0\t${REGISTRY}`);
    expect(registryDiff).toContain(`\n+  (await import('./${NAME}/module.js')).default,\n`);
    expect(scaffoldOutput).toContain('pnpm generate');
  });

  it('fills every placeholder and timestamps the migration', () => {
    for (const file of readdirSync(join(scratch, FOLDER))) {
      expect(readFileSync(join(scratch, FOLDER, file), 'utf8'), file).not.toMatch(/__[A-Za-z]+__|0{14}/);
    }
    const migrations = readFileSync(join(scratch, FOLDER, 'migrations.ts'), 'utf8');
    const stamp = migrations.match(/'(\d{14})_scaffold_probes'/)?.[1];
    expect(stamp).toBeDefined();
    expect(
      Math.abs(Date.now() - Date.parse(stamp!.replace(/(....)(..)(..)(..)(..)(..)/, '$1-$2-$3T$4:$5:$6Z'))),
    ).toBeLessThan(10 * 60_000);
  });

  it('refuses an existing module, a bad name and a taken id prefix, writing nothing', () => {
    for (const args of [
      [NAME],
      ['Bad_Name'],
      ['line--items'],
      ['s3-objects'],
      ['other-things', '--prefix', 'prj'],
    ]) {
      const run = scaffold(...args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/^new-module: /);
    }
    // (spec/ has been regenerated since; the scaffolder's part of the tree is as it left it.)
    const now = git('status', '--porcelain', '--untracked-files=all', '--', 'platform');
    expect(now.trimEnd().split('\n').sort()).toEqual(status.sort());
    expect(git('diff', '--numstat', '--', 'platform').trim()).toBe(numstat);
  });

  it('passes the linter as scaffolded', () => {
    const biome = spawnSync(join(repo, 'node_modules/.bin/biome'), ['check', FOLDER], {
      cwd: scratch,
      encoding: 'utf8',
    });
    expect(biome.status, biome.stdout + biome.stderr).toBe(0);
  });

  it('bundles into the spec without collisions, following the conventions', () => {
    const ops = Object.entries(bundled.paths)
      .filter(([path]) => path.startsWith(`/v1/${NAME}`))
      .flatMap(([path, item]) =>
        Object.entries(item as Record<string, { operationId: string; tags: string[] }>)
          .filter(([key]) => key !== 'parameters')
          .map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId} [${op.tags}]`),
      );
    expect(ops).toEqual([
      `GET /v1/${NAME} ${AREA}.list [${AREA}]`,
      `POST /v1/${NAME} ${AREA}.create [${AREA}]`,
      `GET /v1/${NAME}/{scaffoldProbeId} ${AREA}.get [${AREA}]`,
    ]);
    // The operationId shape the conventions test (routes.test.ts) enforces.
    for (const op of ops) expect(op.split(' ')[2]).toMatch(/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$/);
    expect(bundled['x-aerostack-error-codes'][`${NAME}/not-found`]).toMatchObject({ status: 404 });
  });

  it('is accepted by the Go, Python and Dart generators', async () => {
    const generators = (await import(pathToFileURL(join(repo, 'generators/src/generate.ts')).href)) as {
      generateAll(doc: unknown): Array<{ path: string; content: string }>;
    };
    const files = generators.generateAll(bundled);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'go/scaffold_probes.go',
        'python/aerostack/resources/scaffold_probes.py',
        'dart/lib/src/api/scaffold_probes.dart',
      ]),
    );
    expect(files.find((f) => f.path === 'go/scaffold_probes.go')?.content).toContain(
      'func (s *ScaffoldProbesService) ListAutoPaging(',
    );
  });

  it('typechecks against the regenerated spec types', async () => {
    const { code, output } = await typecheck;
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});

type Keys = NonNullable<Platform['keys']>;
type Credential = 'secret' | 'otherSecret' | 'account' | 'none';

/** One request and what its answer must be. Rows run in order and may use what earlier rows saved. */
interface Row {
  name: string;
  method: string;
  path: (saved: Json) => string;
  as: Credential;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  code?: string;
  check?: (json: Json, saved: Json, headers: Headers) => void;
}

const base = `/v1/${NAME}`;
const rows: Row[] = [
  {
    name: 'create',
    method: 'POST',
    path: () => base,
    as: 'secret',
    body: { name: 'first' },
    status: 201,
    check: (json, saved) => {
      expect(json).toMatchObject({ id: expect.stringMatching(/^sca_[0-9A-Za-z]{20}$/), name: 'first' });
      saved.first = json.id;
    },
  },
  {
    name: 'create, idempotent',
    method: 'POST',
    path: () => base,
    as: 'secret',
    headers: { 'idempotency-key': 'k-1' },
    body: { name: 'second' },
    status: 201,
    check: (json, saved) => {
      saved.second = json.id;
    },
  },
  {
    name: 'create, replayed',
    method: 'POST',
    path: () => base,
    as: 'secret',
    headers: { 'idempotency-key': 'k-1' },
    body: { name: 'second' },
    status: 201,
    check: (json, saved, headers) => {
      expect(json.id).toBe(saved.second);
      expect(headers.get('idempotent-replayed')).toBe('true');
    },
  },
  {
    name: 'list, first page',
    method: 'GET',
    path: () => `${base}?limit=1`,
    as: 'secret',
    status: 200,
    check: (json, saved) => {
      expect((json.data as Json[]).map((p) => p.id)).toEqual([saved.first]);
      expect(json.nextCursor).toEqual(expect.any(String));
      saved.cursor = json.nextCursor;
    },
  },
  {
    name: 'list, next page',
    method: 'GET',
    path: (saved) => `${base}?limit=1&cursor=${saved.cursor}`,
    as: 'secret',
    status: 200,
    check: (json, saved) => {
      expect(json).toEqual({ data: [expect.objectContaining({ id: saved.second })], nextCursor: null });
    },
  },
  {
    name: 'get',
    method: 'GET',
    path: (saved) => `${base}/${saved.first}`,
    as: 'secret',
    status: 200,
    check: (json, saved) => {
      expect(json).toEqual({ id: saved.first, name: 'first', createdAt: expect.any(String) });
    },
  },
  {
    name: "get from another project's key",
    method: 'GET',
    path: (saved) => `${base}/${saved.first}`,
    as: 'otherSecret',
    status: 404,
    code: `${NAME}/not-found`,
  },
  {
    name: "list from another project's key",
    method: 'GET',
    path: () => base,
    as: 'otherSecret',
    status: 200,
    check: (json) => expect(json).toEqual({ data: [], nextCursor: null }),
  },
  {
    name: 'get an unknown id',
    method: 'GET',
    path: () => `${base}/sca_${'0'.repeat(20)}`,
    as: 'secret',
    status: 404,
    code: `${NAME}/not-found`,
  },
  {
    name: 'get a malformed id',
    method: 'GET',
    path: () => `${base}/nope`,
    as: 'secret',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'create without a name',
    method: 'POST',
    path: () => base,
    as: 'secret',
    body: {},
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'create with an unknown field',
    method: 'POST',
    path: () => base,
    as: 'secret',
    body: { name: 'x', colour: 'red' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'list with a forged cursor',
    method: 'GET',
    path: () => `${base}?cursor=forged`,
    as: 'secret',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'list with an account key',
    method: 'GET',
    path: () => base,
    as: 'account',
    status: 403,
    code: 'auth/wrong-credential-type',
  },
  {
    name: 'list without credentials',
    method: 'GET',
    path: () => base,
    as: 'none',
    status: 401,
    code: 'auth/missing-credentials',
  },
];

describe.each(BACKENDS)('the scaffolded module, booted from the registry on $name', (backend) => {
  let platform: Platform;
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let keys: Keys & { otherSecretKey: string };
  const saved: Json = {};

  async function call({ method, path, auth, headers = {}, body }: Call): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (auth) h.authorization = `Bearer ${auth}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await platform.app.request(path, {
      method,
      headers: h,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    // The copy's own platform: its registry lists the new module, its spec was regenerated.
    const src = (file: string) => pathToFileURL(join(scratch, 'platform/src', file)).href;
    const { loadConfig } = (await import(src('config.ts'))) as { loadConfig(env: Json): Config };
    const { createPlatform } = (await import(src('platform.ts'))) as {
      createPlatform(config: Config): Promise<Platform>;
    };
    stores = await backend.create();
    platform = await createPlatform({
      ...loadConfig({}),
      dataDir: stores.dataDir,
      databaseUrl: stores.databaseUrl,
      redisUrl: stores.redisUrl,
      masterKeys: stores.masterKeys,
      logLevel: 'silent',
      validateResponses: true,
    });
    if (!platform.keys) throw new Error('fresh platform without keys');
    const other = await call({
      method: 'POST',
      path: '/v1/projects',
      auth: platform.keys.accountKey,
      body: { name: 'other' },
    });
    keys = { ...platform.keys, otherSecretKey: other.json.secretKey.key };
  });

  afterAll(async () => {
    await platform?.close();
    await stores?.cleanup();
  });

  it('registers the module and its service', () => {
    expect(platform.modules.map((m) => m.name)).toContain(AREA);
    expect((platform.services as unknown as Json)[AREA]).toBeDefined();
  });

  it.each(rows)('$name → $status', async (row) => {
    const auth = {
      secret: keys.secretKey,
      otherSecret: keys.otherSecretKey,
      account: keys.accountKey,
      none: undefined,
    }[row.as];
    const res = await call({
      method: row.method,
      path: row.path(saved),
      ...(auth ? { auth } : {}),
      ...(row.headers ? { headers: row.headers } : {}),
      ...(row.body === undefined ? {} : { body: row.body }),
    });
    expect(res.status, res.text).toBe(row.status);
    if (row.code) expect(res.json.code).toBe(row.code);
    row.check?.(res.json, saved, res.headers);
  });

  it('drops its rows of a deleted project (the template’s drop.ts), and only those', async () => {
    const doomed = await call({
      method: 'POST',
      path: '/v1/projects',
      auth: keys.accountKey,
      body: { name: 'doomed' },
    });
    const sk = doomed.json.secretKey.key;
    expect((await call({ method: 'POST', path: base, auth: sk, body: { name: 'gone' } })).status).toBe(201);
    const projectId = doomed.json.project.id;
    expect(await rowsNaming(platform.services.database, projectId)).toHaveProperty(
      [`${TABLE}.project_id`],
      1,
    );
    const deleted = await call({
      method: 'DELETE',
      path: `/v1/projects/${projectId}`,
      auth: keys.accountKey,
    });
    expect(deleted.status, deleted.text).toBe(204);
    expect(await rowsNaming(platform.services.database, projectId)).toEqual({});
    expect((await call({ method: 'GET', path: `${base}/${saved.first}`, auth: keys.secretKey })).status).toBe(
      200,
    );
  });
});
