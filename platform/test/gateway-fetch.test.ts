import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch } from '../src/modules/gateway/fetch.js';
import { createSsrfGuard } from '../src/modules/gateway/ssrf.js';

// The pool's fetch (gateway/fetch.ts): how an upstream's answer reaches the SDK transport.

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const handlers = new Map<string, Handler>();
let server: Server;
let base: string;
const closed: string[] = [];

const sse = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
};
const event = (message: object) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const request = (id: number) => JSON.stringify({ method: 'tools/call', params: {}, jsonrpc: '2.0', id });

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    req.resume();
    req.on('end', () => handlers.get(path)?.(req, res));
    res.on('close', () => closed.push(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('guarded fetch', () => {
  const guard = createSsrfGuard({ allowHosts: ['127.0.0.1'] });
  const { fetch, close } = guardedFetch(guard);
  afterAll(close);
  const post = (path: string, body: string, signal?: AbortSignal) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      ...(signal ? { signal } : {}),
    });

  it('reads a JSON answer whole', async () => {
    handlers.set('/json', (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ok: true } }));
    });
    const res = await post('/json', request(1));
    expect(res.ok).toBe(true);
    expect(res.headers.get('Mcp-Session-Id')).toBe('s1');
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { ok: true } });
  });

  it('hands over an event stream whose first event is the response as JSON', async () => {
    handlers.set('/sse-result', (_, res) => {
      sse(res);
      res.write(': keep-alive\n\n');
      res.write(event({ result: { n: 2 }, jsonrpc: '2.0', id: 2 }));
      setTimeout(() => res.end(), 20);
    });
    const res = await post('/sse-result', request(2));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ result: { n: 2 }, jsonrpc: '2.0', id: 2 });
  });

  it('keeps the stream, from its first byte and as it comes, when a notification comes first', async () => {
    let finish: () => void = () => {};
    handlers.set('/sse-progress', (_, res) => {
      sse(res);
      res.write(event({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }));
      finish = () => {
        res.write(event({ jsonrpc: '2.0', id: 3, result: {} }));
        res.end();
      };
    });
    const res = await post('/sse-progress', request(3));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    // The progress arrived before the response was even written.
    expect(first).toContain('notifications/progress');
    finish();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('"id":3');
  });

  it('reports a stream that breaks mid-response, and not one its own signal aborted', async () => {
    handlers.set('/sse-crash', (_, res) => {
      sse(res);
      res.write(event({ jsonrpc: '2.0', method: 'notifications/message', params: {} }));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const broken: Error[] = [];
    const res = await fetch(`${base}/sse-crash`, { method: 'GET' }, (e) => broken.push(e));
    await expect(res.text()).rejects.toThrow();
    expect(broken).toHaveLength(1);

    handlers.set('/hang', (_, res) => sse(res));
    const controller = new AbortController();
    const pending = fetch(
      `${base}/hang`,
      { method: 'POST', body: request(4), signal: controller.signal },
      (e) => broken.push(e),
    );
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    await expect(pending).rejects.toThrow();
    expect(broken).toHaveLength(1);
    await expect.poll(() => closed.includes('/hang')).toBe(true);
  });

  it('leaves no listener on a shared signal once its requests are done', async () => {
    handlers.set('/json', (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":5,"result":{}}');
    });
    const shared = new AbortController();
    let listeners = 0;
    let added = 0;
    const add = shared.signal.addEventListener.bind(shared.signal);
    const remove = shared.signal.removeEventListener.bind(shared.signal);
    shared.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      added++;
      add(...args);
    }) as typeof add;
    shared.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    for (let i = 0; i < 20; i++) await (await post('/json', request(5), shared.signal)).json();
    expect(added).toBeGreaterThanOrEqual(20);
    await expect.poll(() => listeners).toBe(0);
  });
});
