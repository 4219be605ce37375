import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// Requests a client library would never send, sent raw: each still gets problem+json with a code
// (before: Node's bare "400 Bad Request" or Hono's text 404).

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

/** Sends `head` as the raw request head and returns the status line and the parsed body. */
function raw(head: string): Promise<{ status: number; type: string | undefined; body: { code?: string } }> {
  const { port, hostname } = new URL(p.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`${head}\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [headers = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(headers.split(' ')[1]);
      const type = /content-type: ([^\r\n]+)/i.exec(headers)?.[1];
      try {
        resolve({ status, type, body: JSON.parse(body) });
      } catch {
        reject(new Error(`not JSON: ${text.slice(0, 300)}`));
      }
    });
  });
}

describe('malformed and hostile requests', () => {
  const cases: Array<[string, string, number, string]> = [
    ['a backslash in the path', 'GET /v1\\cache\\x HTTP/1.1', 400, 'request/malformed'],
    ['an unknown method', 'BREW /healthz HTTP/1.1', 501, 'request/method-not-implemented'],
    ['a URL over 8 KiB', `GET /v1/cache/${'a'.repeat(9000)} HTTP/1.1`, 414, 'request/uri-too-long'],
    [
      'headers over 16 KiB',
      `GET /healthz HTTP/1.1\r\nX-Big: ${'b'.repeat(20_000)}`,
      431,
      'request/headers-too-large',
    ],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nno colon here', 400, 'request/malformed'],
    ['a known method the spec does not use here', 'PATCH /healthz HTTP/1.1', 405, 'route/method-not-allowed'],
  ];
  for (const [name, head, status, code] of cases) {
    it(`answers ${name} with ${status} ${code}`, async () => {
      const answer = await raw(head);
      expect(answer.status).toBe(status);
      expect(answer.type).toBe('application/problem+json');
      expect(answer.body.code).toBe(code);
    });
  }

  it('still serves normally afterwards', async () => {
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
  });
});
