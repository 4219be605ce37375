import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// An endpoint outside the spec (JSON-RPC, like the MCP gateway) registered through a module's
// `endpoints`: its own error envelope, the shared credential table, the common headers.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

const rpc = (body: string, credential: string | null = p.secretKey) =>
  fetch(`${p.url}/test/rpc`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body,
  });

describe('a JSON-RPC endpoint outside the spec', () => {
  it('answers calls in JSON-RPC, with the request id header every response carries', async () => {
    const res = await rpc('{"jsonrpc":"2.0","id":7,"method":"whoami"}');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 7, result: { projectId: p.projectId } });
  });

  it('reports errors in its own envelope, never problem+json', async () => {
    const cases: Array<[string, string | null, number, number]> = [
      ['{not json', p.secretKey, 200, -32700],
      ['{"jsonrpc":"1.0","id":1,"method":"ping"}', p.secretKey, 200, -32600],
      ['{"jsonrpc":"2.0","id":1,"method":"nope"}', p.secretKey, 200, -32601],
      ['{"jsonrpc":"2.0","id":1,"method":"ping"}', null, 401, -32001],
      ['{"jsonrpc":"2.0","id":1,"method":"ping"}', `sk_${'A'.repeat(40)}`, 401, -32001],
      ['{"jsonrpc":"2.0","id":1,"method":"ping"}', p.accountKey, 403, -32001],
    ];
    for (const [body, credential, status, code] of cases) {
      const res = await rpc(body, credential);
      expect(res.status, body).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(((await res.json()) as { error: { code: number } }).error.code, body).toBe(code);
    }
  });

  it('is known to the router: another method is a 405 problem naming the allowed one', async () => {
    const res = await fetch(`${p.url}/test/rpc`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
