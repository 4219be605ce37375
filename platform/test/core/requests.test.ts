import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// Request bodies and parameters as the spec declares them, and JSON read strictly: what is stored
// is exactly what was sent, or the request is refused with a code.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

const auth = () => ({ authorization: `Bearer ${p.secretKey}` });
const putCache = (key: string, body: string | Uint8Array) =>
  fetch(`${p.url}/v1/cache/${key}`, {
    method: 'PUT',
    headers: { ...auth(), 'content-type': 'application/json' },
    body,
  });
const problem = async (res: Response) => (await res.json()) as { code: string; errors?: unknown[] };

describe('JSON bodies are read strictly', () => {
  it('refuses nesting deeper than 64 levels with 400, not a 500 (8 KB body, ~4,100 levels)', async () => {
    const res = await putCache('deep', `{"value":${'['.repeat(4100)}${']'.repeat(4100)}}`);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request/json-too-deep');
    const ok = await putCache('deep', `{"value":${'['.repeat(60)}${']'.repeat(60)}}`);
    expect(ok.status).toBe(200);
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const res = await putCache('brackets', JSON.stringify({ value: '['.repeat(1000) }));
    expect(res.status).toBe(200);
  });

  it('refuses a number that would become null (1e309) instead of storing null', async () => {
    const res = await putCache('huge', '{"value":{"n":[1,1e309]}}');
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe('request/number-out-of-range');
    expect(body.errors).toEqual([{ location: 'body/value/n/1', message: 'is out of the range of a double' }]);
    expect((await fetch(`${p.url}/v1/cache/huge`, { headers: auth() })).status).toBe(404);
  });

  it('refuses invalid UTF-8 instead of storing U+FFFD', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"value":"a'),
      0xff,
      0xfe,
      ...new TextEncoder().encode('"}'),
    ]);
    const res = await putCache('utf8', bytes);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('request/invalid-encoding');
    expect((await fetch(`${p.url}/v1/cache/utf8`, { headers: auth() })).status).toBe(404);
  });

  it('keeps valid non-ASCII text and large finite numbers exactly', async () => {
    const value = { text: 'żółw 🐢 \u2028', big: 1.7976931348623157e308, tiny: 5e-324 };
    expect((await putCache('exact', JSON.stringify({ value }))).status).toBe(200);
    const got = (await (await fetch(`${p.url}/v1/cache/exact`, { headers: auth() })).json()) as {
      value: unknown;
    };
    expect(got.value).toEqual(value);
  });
});

describe('parameters and bodies by media type', () => {
  it('collects a repeated array parameter and refuses a repeated scalar one', async () => {
    const res = await fetch(`${p.url}/test/tags?tag=a&tag=b&tag=c`, { headers: auth() });
    expect(await res.json()).toEqual({ tags: ['a', 'b', 'c'] });
    const one = await fetch(`${p.url}/test/tags?tag=only`, { headers: auth() });
    expect(await one.json()).toEqual({ tags: ['only'] });
    const twice = await fetch(`${p.url}/test/tags?sort=asc&sort=desc`, { headers: auth() });
    expect(twice.status).toBe(400);
    expect(await problem(twice)).toMatchObject({
      code: 'request/invalid-parameters',
      errors: [{ location: 'query/sort', message: 'is given more than once' }],
    });
    const tooMany = await fetch(`${p.url}/test/tags?${'tag=x&'.repeat(6)}`, { headers: auth() });
    expect(tooMany.status).toBe(400);
  });

  it('answers 204 with no body (a 500 before: response validation expected JSON)', async () => {
    const res = await fetch(`${p.url}/test/empty`, { method: 'DELETE', headers: auth() });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('reads multipart/form-data with a file, and validates its fields', async () => {
    const form = new FormData();
    form.set('title', 'Report');
    form.set('file', new Blob([new Uint8Array(1234)]), 'report.bin');
    const res = await fetch(`${p.url}/test/forms`, { method: 'POST', headers: auth(), body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ title: 'Report', fileName: 'report.bin', sizeBytes: 1234 });

    const missing = new FormData();
    missing.set('file', new Blob(['x']), 'x.txt');
    const bad = await fetch(`${p.url}/test/forms`, { method: 'POST', headers: auth(), body: missing });
    expect(bad.status).toBe(400);
    expect(await problem(bad)).toMatchObject({ code: 'request/invalid-body' });

    const json = await fetch(`${p.url}/test/forms`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
  });
});
