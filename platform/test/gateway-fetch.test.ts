import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsrfGuard } from '../src/lib/ssrf.js';
import { guardedFetch, readAnswer } from '../src/modules/gateway/fetch.js';

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

// The tools/call fast lane's POST and answer reader (decision 0043): the response to our id,
// whatever else comes handed on in order, failures as the SDK transport reports them.
describe('fast lane post and readAnswer', () => {
  const guard = createSsrfGuard({ allowHosts: ['127.0.0.1'] });
  const { post, close } = guardedFetch(guard);
  afterAll(close);
  const send = (path: string, id: number, signal = new AbortController().signal) =>
    post(new URL(`${base}${path}`), { 'content-type': 'application/json' }, request(id), signal);
  const read = async (path: string, id: number, signal = new AbortController().signal) => {
    const others: unknown[] = [];
    const broken: Error[] = [];
    try {
      const response = await send(path, id, signal);
      if (response === null) return { redirected: true as const, others, broken };
      const answer = await readAnswer(
        response,
        id,
        (m) => others.push(m),
        (e) => broken.push(e),
        signal,
      );
      return { answer, others, broken };
    } catch (error) {
      return { error: error as Error & { code?: number }, others, broken };
    }
  };

  it('finds the response to its id in a JSON body, handing on the other messages', async () => {
    handlers.set('/fast-json', (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify([
          { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } },
          { jsonrpc: '2.0', id: 7, result: { content: [] } },
        ]),
      );
    });
    const { answer, others } = await read('/fast-json', 7);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [] } });
    expect(others).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } },
    ]);
  });

  it('reads an event stream: notifications and server requests go on in order, the response resolves', async () => {
    handlers.set('/fast-sse', (_, res) => {
      sse(res);
      res.write('id: 1\nevent: message\ndata: \n\n'); // a priming event
      res.write(event({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
      res.write(event({ jsonrpc: '2.0', id: 0, method: 'ping' }));
      // split mid-event, \r\n line ends
      res.write('event: message\r\ndata: {"result":{"content":[{"type":"text","text":"hi"}]},');
      setTimeout(() => res.end('"jsonrpc":"2.0","id":8}\r\n\r\n'), 10);
    });
    const { answer, others } = await read('/fast-sse', 8);
    expect(answer).toEqual({ result: { content: [{ type: 'text', text: 'hi' }] }, jsonrpc: '2.0', id: 8 });
    expect(others).toEqual([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
      { jsonrpc: '2.0', id: 0, method: 'ping' },
    ]);
  });

  it('does not take a response to another id, or a request with its id, for its own', async () => {
    handlers.set('/fast-other-id', (_, res) => {
      sse(res);
      res.write(event({ jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: {} }));
      res.write(event({ jsonrpc: '2.0', id: 99, result: {} }));
      res.end(event({ jsonrpc: '2.0', id: 9, error: { code: -32601, message: 'nope' } }));
    });
    const { answer, others } = await read('/fast-other-id', 9);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 9, error: { code: -32601, message: 'nope' } });
    expect(others).toHaveLength(2);
  });

  it('fails a stream that ends without the response, and one that breaks (reporting the break)', async () => {
    handlers.set('/fast-ends', (_, res) => {
      sse(res);
      res.end(event({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }));
    });
    const ended = await read('/fast-ends', 10);
    expect(ended.error?.message).toMatch(/without answering/);
    expect(ended.broken).toEqual([]);

    handlers.set('/fast-breaks', (_, res) => {
      sse(res);
      res.write(': hello\n\n');
      setTimeout(() => res.destroy(), 10);
    });
    const broke = await read('/fast-breaks', 11);
    expect(broke.error).toBeInstanceOf(Error);
    expect(broke.broken.length).toBeGreaterThan(0);
  });

  it('fails a non-2xx answer as the SDK transport does (404 renews the session)', async () => {
    handlers.set('/fast-404', (_, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
    });
    const { error } = await read('/fast-404', 12);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect(error?.code).toBe(404);
    expect(error?.message).toMatch(/Error POSTing to endpoint: .*Session not found/);

    handlers.set('/fast-text', (_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    const text = await read('/fast-text', 13);
    expect(text.error).toBeInstanceOf(StreamableHTTPError);
    expect(text.error?.message).toMatch(/Unexpected content type: text\/plain/);
  });

  it('leaves a redirect to the SDK path (null), without following it', async () => {
    let followed = 0;
    handlers.set('/fast-moved', (_, res) => {
      res.writeHead(307, { location: '/fast-target' });
      res.end();
    });
    handlers.set('/fast-target', (_, res) => {
      followed++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    expect((await read('/fast-moved', 14)).redirected).toBe(true);
    expect(followed).toBe(0);
  });

  it('aborts its POST with its signal, without reporting a broken connection', async () => {
    handlers.set('/fast-hangs', (_, res) => {
      sse(res);
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    const { error, broken } = await read('/fast-hangs', 15, controller.signal);
    expect(error).toBeInstanceOf(Error);
    expect(broken).toEqual([]);
    await expect.poll(() => closed.includes('/fast-hangs')).toBe(true);
  });
});
