import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The project layout of a deployment (aerostack.toml, aerostack.json, the bundled modules), over
// HTTP: every problem is refused with 422 hosting/layout-invalid and located in its file as
// `file:line:column`, all problems at once; unknown keys are warnings; sizes are 413s. Nothing
// is stored by a refused deploy.

const TOML = `name = "hello"
main = "src/index.ts"
compatibility_date = "2025-01-01"

[vars]
API_KEY = ""
GREETING = "hi"
`;
const ENTRY = { name: 'src/index.js', content: 'export default { fetch() { return new Response("ok"); } };' };

interface Row {
  name: string;
  toml?: string;
  json?: string;
  modules?: { name: string; content: string }[];
  status?: number;
  code?: string;
  /** Each expected problem: its location and a part of its message. */
  errors?: [string, string][];
}

const rows: Row[] = [
  {
    name: 'TOML that does not parse',
    toml: 'name = "hello\nmain = "src/index.ts"\n',
    errors: [['aerostack.toml:1:', 'is not valid TOML']],
  },
  {
    name: 'a key given twice',
    toml: TOML.replace('main =', 'name = "again"\nmain ='),
    errors: [['aerostack.toml:2:', 'is not valid TOML']],
  },
  {
    name: 'name of the wrong type',
    toml: TOML.replace('name = "hello"', 'name = 42'),
    errors: [['aerostack.toml:1:1', '`name` must be a string, not a number']],
  },
  {
    name: 'name that is not a worker name',
    toml: TOML.replace('name = "hello"', 'name = "Hello World"'),
    errors: [['aerostack.toml:1:1', 'lower-case letters']],
  },
  {
    name: 'main missing',
    toml: TOML.replace('main = "src/index.ts"\n', ''),
    errors: [['aerostack.toml:1:1', '`main` is required']],
  },
  {
    name: 'main not among the modules',
    toml: TOML.replace('src/index.ts', 'src/app.ts'),
    errors: [
      ['aerostack.toml:2:1', '`main` names src/app.ts, which is not among the modules (src/index.js)'],
    ],
  },
  {
    name: 'compatibility date malformed',
    toml: TOML.replace('2025-01-01', '2025-13-01'),
    errors: [['aerostack.toml:3:1', 'must be a date written YYYY-MM-DD']],
  },
  {
    name: 'compatibility date not a date at all',
    toml: TOML.replace('"2025-01-01"', '[2025]'),
    errors: [['aerostack.toml:3:1', 'not an array']],
  },
  {
    name: 'compatibility date newer than workerd',
    toml: TOML.replace('2025-01-01', '2999-01-01'),
    errors: [['aerostack.toml:3:1', 'is later than']],
  },
  {
    name: 'compatibility date missing',
    toml: TOML.replace('compatibility_date = "2025-01-01"\n', ''),
    errors: [['aerostack.toml:1:1', '`compatibility_date` is required']],
  },
  {
    name: 'compatibility flags not a list',
    toml: TOML.replace('[vars]', 'compatibility_flags = "nodejs_compat"\n[vars]'),
    errors: [['aerostack.toml:5:1', 'must be a list of strings']],
  },
  {
    name: 'a var that is a table',
    toml: `${TOML}NESTED = { a = 1 }\n`,
    errors: [['aerostack.toml:8:1', '`vars.NESTED` must be a string, a number or a boolean, not a table']],
  },
  {
    name: 'a binding table without its binding',
    toml: `${TOML}\n[[d1_databases]]\ndatabase_name = "main"\n`,
    errors: [['aerostack.toml:9:1', '`d1_databases[0].binding` is required']],
  },
  {
    name: 'a name given to env twice',
    toml: `${TOML}\n[[kv_namespaces]]\nbinding = "CACHE"\n\n[[kv_namespaces]]\nbinding = "API_KEY"\n`,
    errors: [['aerostack.toml:12:1', '`API_KEY` is given to env twice']],
  },
  {
    name: 'a cron that is not one',
    toml: `${TOML}\n[triggers]\ncrons = ["every hour"]\n`,
    errors: [['aerostack.toml:10:1', 'must be a cron expression']],
  },
  {
    name: 'a cron of the right shape that can never fire',
    toml: `${TOML}\n[triggers]\ncrons = ["*/5 * * * *", "61 * * * *"]\n`,
    errors: [['aerostack.toml:10:1', '"61 * * * *", which is not a schedule']],
  },
  {
    name: 'JSON that does not parse',
    json: '{\n  "name": "x"\n  "slug": "x"\n}',
    errors: [['aerostack.json:3:3', 'CommaExpected']],
  },
  {
    name: 'aerostack.json not an object',
    json: '["x"]',
    errors: [['aerostack.json:1:1', 'must hold an object, not an array']],
  },
  {
    name: 'secrets not a list of names',
    json: '{\n  "name": "Hello",\n  "slug": "hello",\n  "secrets": "API_KEY"\n}',
    errors: [['aerostack.json:4:3', '`secrets` must be a list of strings']],
  },
  {
    name: 'a secret name that is not one',
    json: '{\n  "name": "Hello",\n  "slug": "hello",\n  // comments are fine\n  "secrets": ["API_KEY", "api key"],\n}',
    errors: [['aerostack.json:5:3', '`secrets[1]` must be a secret name']],
  },
  {
    name: 'slug rules',
    json: '{ "name": "Hello", "slug": "Hello_World" }',
    errors: [['aerostack.json:1:20', '`slug` must be lower-case letters']],
  },
  {
    name: 'slug missing, visibility unknown, too many tags',
    json: `{\n  "name": "Hello",\n  "visibility": "everyone",\n  "tags": ${JSON.stringify(Array.from({ length: 21 }, (_, i) => `t${i}`))}\n}`,
    errors: [
      ['aerostack.json:1:1', '`slug` is required'],
      ['aerostack.json:3:3', '`visibility` must be one of private, team, public'],
      ['aerostack.json:4:3', '`tags` holds more than 20 items'],
    ],
  },
  {
    name: 'problems in both files at once',
    toml: TOML.replace('name = "hello"', 'name = true').replace('2025-01-01', '01/01/2025'),
    json: '{ "name": "Hello", "slug": "-x" }',
    errors: [
      ['aerostack.toml:1:1', '`name` must be a string'],
      ['aerostack.toml:3:1', 'must be a date written YYYY-MM-DD'],
      ['aerostack.json:1:20', '`slug` must be'],
    ],
  },
  {
    name: 'a module given twice',
    modules: [ENTRY, ENTRY],
    errors: [['body/modules/1/name', 'is given twice']],
  },
  {
    name: "a module in the platform's own folder",
    modules: [ENTRY, { name: '__aerostack/entry.js', content: '' }],
    errors: [['body/modules/1/name', "are the platform's"]],
  },
  {
    name: 'a module path climbing out',
    modules: [ENTRY, { name: '../etc/x.js', content: '' }],
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'a module that is not JavaScript',
    modules: [ENTRY, { name: 'data.json', content: '{}' }],
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'a bundle over the limit',
    modules: [ENTRY, { name: 'big.js', content: 'x'.repeat(10 * 1024 * 1024) }],
    status: 413,
    code: 'hosting/bundle-too-large',
  },
];

describe.each(BACKENDS)('hosting layout on $name', (backend) => {
  let t: TestPlatform;
  const deploy = (body: unknown, auth = t.keys.accountKey, projectId = t.keys.projectId) =>
    t.call({ method: 'POST', path: `/v1/projects/${projectId}/deployments`, auth, body });

  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());

  it.each(rows)('$name', async (row) => {
    const body = {
      aerostackToml: row.toml ?? TOML,
      ...(row.json === undefined ? {} : { aerostackJson: row.json }),
      modules: row.modules ?? [ENTRY],
    };
    const res = await deploy(body);
    expect(res.status, res.text).toBe(row.status ?? 422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.code).toBe(row.code ?? 'hosting/layout-invalid');
    if (row.errors) {
      expect(res.json.errors).toHaveLength(row.errors.length);
      row.errors.forEach(([location, message], i) => {
        expect(res.json.errors[i].location).toMatch(new RegExp(`^${location.replace(/\./g, '\\.')}`));
        expect(res.json.errors[i].message).toContain(message);
      });
      expect(res.json.detail).toContain(res.json.errors[0].location);
    }
  });

  it('a body over the operation limit is refused before it is read', async () => {
    const res = await deploy({
      aerostackToml: TOML,
      modules: [{ name: 'a.js', content: 'x'.repeat(33 * 1024 * 1024) }],
    });
    expect(res.status).toBe(413);
    expect(res.json.code).toBe('request/body-too-large');
  });

  it('unknown fields of the body, a missing toml, a project key, another account', async () => {
    const unknown = await deploy({ aerostackToml: TOML, modules: [ENTRY], extra: 1 });
    expect([unknown.status, unknown.json.code]).toEqual([400, 'request/invalid-body']);
    const missing = await deploy({ modules: [ENTRY] });
    expect([missing.status, missing.json.code]).toEqual([400, 'request/invalid-body']);
    const secretKey = await deploy({ aerostackToml: TOML, modules: [ENTRY] }, t.keys.secretKey);
    expect([secretKey.status, secretKey.json.code]).toEqual([403, 'auth/wrong-credential-type']);
    const elsewhere = await deploy(
      { aerostackToml: TOML, modules: [ENTRY] },
      t.keys.accountKey,
      `prj_${'0'.repeat(20)}`,
    );
    expect([elsewhere.status, elsewhere.json.code]).toEqual([404, 'projects/not-found']);
  });

  it('a refused deploy stores nothing', async () => {
    const workers = await t.call({
      method: 'GET',
      path: `/v1/projects/${t.keys.projectId}/workers`,
      auth: t.keys.accountKey,
    });
    expect(workers.status).toBe(200);
    expect(workers.json.data).toEqual([]);
  });
});
