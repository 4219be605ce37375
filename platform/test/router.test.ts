import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { Router } from '../src/http/router.js';

function router() {
  const r = new Router<string>();
  r.add('GET', '/v1/cache', 'list');
  r.add('GET', '/v1/cache/{key}', 'get');
  r.add('PUT', '/v1/cache/{key}', 'put');
  r.add('GET', '/fn/{projectId}/{worker}/{path*}', 'fn-get');
  r.add('POST', '/fn/{projectId}/{worker}/{path*}', 'fn-post');
  r.add('GET', '/fn/{projectId}/status', 'status');
  return r;
}

describe('Router', () => {
  it('matches exact paths and templates, decoding parameters', () => {
    const r = router();
    expect(r.match('GET', '/v1/cache')).toEqual({ handler: 'list', params: {} });
    expect(r.match('PUT', '/v1/cache/a%20b')).toEqual({ handler: 'put', params: { key: 'a b' } });
    expect(r.match('HEAD', '/v1/cache/k')).toEqual({ handler: 'get', params: { key: 'k' } });
    expect(() => r.match('GET', '/v1/cache/%E0%A4%A')).toThrow(ApiError);
  });

  it('answers the allowed methods of a path, or none', () => {
    const r = router();
    expect(r.match('DELETE', '/v1/cache/k')).toEqual({ allowed: ['GET', 'PUT'] });
    expect(r.match('GET', '/v2/nothing')).toEqual({ allowed: [] });
    expect(r.match('DELETE', '/fn/p/w/a')).toEqual({ allowed: ['GET', 'POST'] });
  });

  it('gives a tail parameter the rest of the path at any depth, as sent', () => {
    const r = router();
    expect(r.match('GET', '/fn/prj_1/api')).toEqual({
      handler: 'fn-get',
      params: { projectId: 'prj_1', worker: 'api', path: '' },
    });
    expect(r.match('GET', '/fn/prj_1/api/')).toMatchObject({ params: { path: '' } });
    const deep = `/fn/prj_1/api/${Array.from({ length: 40 }, (_, i) => `s${i}`).join('/')}`;
    expect(r.match('POST', deep)).toMatchObject({
      handler: 'fn-post',
      params: { worker: 'api', path: deep.split('/').slice(4).join('/') },
    });
    // Escapes stay escapes: `%2F` is not a separator the worker should see as one.
    expect(r.match('GET', '/fn/p/w/a%2Fb/c%20d')).toMatchObject({ params: { path: 'a%2Fb/c%20d' } });
    // The prefix's own parameters are decoded as everywhere else.
    expect(r.match('GET', '/fn/p%31/w/x')).toMatchObject({ params: { projectId: 'p1' } });
  });

  it('tries a tail only when no other route matches', () => {
    const r = router();
    expect(r.match('GET', '/fn/prj_1/status')).toEqual({ handler: 'status', params: { projectId: 'prj_1' } });
    expect(r.match('GET', '/fn/prj_1/status/x')).toMatchObject({
      handler: 'fn-get',
      params: { worker: 'status', path: 'x' },
    });
    // A tail needs its whole prefix: no empty worker.
    expect(r.match('GET', '/fn/prj_1')).toEqual({ allowed: [] });
    expect(r.match('GET', '/fn/prj_1//x')).toEqual({ allowed: [] });
  });

  it('refuses a tail parameter anywhere but last, and a route registered twice', () => {
    const r = new Router<string>();
    expect(() => r.add('GET', '/fn/{rest*}/x', 'bad')).toThrow(/last segment/);
    r.add('GET', '/a/{rest*}', 'a');
    expect(() => r.add('GET', '/a/{rest*}', 'again')).toThrow(/registered twice/);
  });
});
