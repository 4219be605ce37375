import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  type AddressInfo,
  createServer as createNetServer,
  type LookupFunction,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BodySink,
  bodyChunks,
  InvalidHeaderError,
  type WireAnswer,
  type WireClient,
  type WireClientOptions,
  WireProtocolError,
  wireClient,
  wireRequest,
} from '../src/modules/gateway/wire.js';

// The gateway's own HTTP/1.1 client (gateway/wire.ts) against servers that write the exact bytes
// of each answer, so that every framing and every failure is the test's choice.

interface RawRequest {
  head: string;
  body: string;
  /** Which of the server's connections carried it, from 0. */
  connection: number;
  /** Its place on that connection, from 0. */
  index: number;
}

interface Raw {
  url(path?: string): URL;
  connections: Socket[];
  requests: RawRequest[];
  /** The connections (by number) the server saw close. */
  closed: Set<number>;
}

type Respond = (socket: Socket, request: RawRequest) => void;

const cleanups: Array<() => Promise<void> | void> = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const listen = (server: NetServer | HttpServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server that reads whole requests (head and Content-Length body) and lets `respond` write bytes. */
async function raw(respond: Respond): Promise<Raw> {
  const connections: Socket[] = [];
  const requests: RawRequest[] = [];
  const closed = new Set<number>();
  const server = createNetServer((socket) => {
    const connection = connections.push(socket) - 1;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => closed.add(connection));
    let index = 0;
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.toString('utf8', end + 4, end + 4 + length);
        buffered = buffered.subarray(end + 4 + length);
        const request = { head, body, connection, index: index++ };
        requests.push(request);
        respond(socket, request);
      }
    });
  });
  const port = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: (path = '/mcp') => new URL(`http://127.0.0.1:${port}${path}`),
    connections,
    requests,
    closed,
  };
}

function client(options?: WireClientOptions): WireClient {
  const created = wireClient(options);
  clients.push(created);
  return created;
}

const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: {} });

const send = (wire: WireClient, url: URL, body = call(1), signal = new AbortController().signal) =>
  wire.post(wireRequest(url, json), body, signal);

/** A whole answer with a Content-Length. */
const answer = (body: string, headers = 'content-type: application/json\r\n') =>
  `HTTP/1.1 200 OK\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** What a body sink was told, in order, and a promise of how it ended. */
function record(answer: WireAnswer) {
  const chunks: Buffer[] = [];
  let settle: (outcome: 'end' | Error) => void = () => {};
  const outcome = new Promise<'end' | Error>((resolve) => (settle = resolve));
  const sink: BodySink = {
    data: (chunk) => chunks.push(chunk),
    end: () => settle('end'),
    error: (error) => settle(error),
  };
  answer.read(sink);
  return { chunks, outcome, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function bodyOf(answer: WireAnswer): Promise<string> {
  const sink = record(answer);
  const outcome = await sink.outcome;
  if (outcome !== 'end') throw outcome;
  return sink.text();
}

/** Writes `bytes` a few at a time, with a wait after each write so that they arrive in many reads. */
async function drip(socket: Socket, bytes: Buffer, sizes = [1, 2, 3]): Promise<void> {
  for (let at = 0, i = 0; at < bytes.length && !socket.destroyed; i++) {
    const n = sizes[i % sizes.length] as number;
    socket.write(bytes.subarray(at, at + n));
    at += n;
    await pause(1);
  }
}

describe('wire client: framing', () => {
  it('reads a Content-Length answer and carries the next request on the same connection', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hé' }] },
    });
    const server = await raw((socket) =>
      socket.write(
        answer(body, 'Content-Type: application/json\r\nMcp-Session-Id: s1\r\nX-Rep: a\r\nx-rep: b\r\n'),
      ),
    );
    const wire = client();
    const first = await send(wire, server.url());
    expect(first.status).toBe(200);
    expect(first.headers).toEqual({
      'content-type': 'application/json',
      'mcp-session-id': 's1',
      'x-rep': 'a, b',
      'content-length': String(Buffer.byteLength(body)),
    });
    expect(await bodyOf(first)).toBe(body);
    expect(wire.idle()).toBe(1);

    const second = await send(wire, server.url(), call(2));
    expect(await bodyOf(second)).toBe(body);
    expect(server.connections).toHaveLength(1);
    expect(server.requests.map((r) => [r.connection, r.index])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(wire.idle()).toBe(1);
  });

  it('writes the request line, host, headers, a byte-counted content-length and the body', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client();
    const url = server.url('/mcp/v1?session=a%20b');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 3, params: { text: 'héllo € 😀' } });
    const request = wireRequest(url, {
      ...json,
      'x-mcp-secret-a': 'token',
      host: 'evil.test',
      'content-length': '1',
      'transfer-encoding': 'chunked',
      connection: 'close',
    });
    expect(request.origin).toBe(`http://${url.host}`);
    await bodyOf(await wire.post(request, body, new AbortController().signal));
    const [received] = server.requests;
    expect(received?.head.split('\r\n')).toEqual([
      'POST /mcp/v1?session=a%20b HTTP/1.1',
      `host: ${url.host}`,
      'content-type: application/json',
      'accept: application/json, text/event-stream',
      'x-mcp-secret-a: token',
      `content-length: ${Buffer.byteLength(body)}`,
    ]);
    expect(received?.body).toBe(body);
  });

  it('sends header values as Latin-1, as Node does, and the body as UTF-8', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 4, params: { text: 'café' } });
    const request = wireRequest(server.url(), { ...json, 'x-mcp-secret-a': 'café' });
    await bodyOf(await wire.post(request, body, new AbortController().signal));
    const [received] = server.requests;
    expect(received?.head).toContain('\r\nx-mcp-secret-a: café\r\n');
    expect(received?.head).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}`);
    expect(received?.body).toBe(body);
  });

  it('re-assembles a chunked answer that arrives a few bytes at a time, with an extension and trailers', async () => {
    const text = '{"text":"héllo wörld — € 😀 ok"}';
    const bytes = Buffer.from(text);
    // Chunk boundaries inside 'é' and inside '😀': the characters are cut between chunks.
    const cuts = [5, text.indexOf('é') + 1, Buffer.from(text.slice(0, text.indexOf('😀'))).length + 2];
    const pieces = [
      bytes.subarray(0, cuts[0]),
      bytes.subarray(cuts[0], cuts[1]),
      bytes.subarray(cuts[1], cuts[2]),
    ];
    pieces.push(bytes.subarray(cuts[2]));
    expect(pieces[0]?.length).toBe(5);
    const framed = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'),
      ...pieces.flatMap((piece, i) => [
        Buffer.from(`${piece.length.toString(16).toUpperCase()}${i === 0 ? ';ext=1' : ''}\r\n`),
        piece,
        Buffer.from('\r\n'),
      ]),
      Buffer.from('0\r\nx-trailer: t\r\nx-other: u\r\n\r\n'),
    ]);
    const server = await raw((socket) => void drip(socket, framed));
    const wire = client();
    const got = await send(wire, server.url());
    expect(got.status).toBe(200);
    expect(got.headers['transfer-encoding']).toBe('chunked');
    const sink = record(got);
    expect(await sink.outcome).toBe('end');
    expect(Buffer.concat(sink.chunks).equals(bytes)).toBe(true);
    expect(sink.text()).toBe(text);
    expect(sink.chunks.length).toBeGreaterThan(1);
    expect(wire.idle()).toBe(1);

    await bodyOf(await send(wire, server.url()));
    expect(server.connections).toHaveLength(1);
  });

  it('passes over a 103 Early Hints answer to the real one', async () => {
    const server = await raw((socket, request) => {
      const hints = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n';
      if (request.index === 0) socket.write(hints + answer('{"a":1}'));
      else {
        socket.write(hints);
        setTimeout(() => socket.write(answer('{"b":2}')), 5);
      }
    });
    const wire = client();
    const first = await send(wire, server.url());
    expect(first.status).toBe(200);
    expect(first.headers.link).toBeUndefined();
    expect(await bodyOf(first)).toBe('{"a":1}');
    const second = await send(wire, server.url());
    expect(second.status).toBe(200);
    expect(await bodyOf(second)).toBe('{"b":2}');
    expect(server.connections).toHaveLength(1);
  });

  it('closes the connection after a Connection: close answer and opens a new one for the next request', async () => {
    const server = await raw((socket) => socket.write(answer('{"n":1}', 'Connection: close\r\n')));
    const wire = client();
    const first = await send(wire, server.url());
    expect(await bodyOf(first)).toBe('{"n":1}');
    expect(wire.idle()).toBe(0);
    await expect.poll(() => server.closed.has(0)).toBe(true);

    expect(await bodyOf(await send(wire, server.url()))).toBe('{"n":1}');
    expect(server.connections).toHaveLength(2);
  });

  it('reads an answer without framing until the server closes, and does not reuse its connection', async () => {
    const server = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"part":');
      setTimeout(() => socket.end('"two"}'), 10);
    });
    const wire = client();
    const first = await send(wire, server.url());
    expect(first.status).toBe(200);
    expect(await bodyOf(first)).toBe('{"part":"two"}');
    expect(wire.idle()).toBe(0);

    expect(await bodyOf(await send(wire, server.url()))).toBe('{"part":"two"}');
    expect(server.connections).toHaveLength(2);
  });

  it('closes an HTTP/1.0 answer unless it asks to be kept alive', async () => {
    const server = await raw((socket, request) =>
      socket.write(
        request.connection === 0
          ? 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok'
          : 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 2\r\n\r\nok',
      ),
    );
    const wire = client();
    expect(await bodyOf(await send(wire, server.url()))).toBe('ok');
    expect(wire.idle()).toBe(0);
    expect(await bodyOf(await send(wire, server.url()))).toBe('ok');
    expect(wire.idle()).toBe(1);
    expect(await bodyOf(await send(wire, server.url()))).toBe('ok');
    expect(server.connections).toHaveLength(2);
  });

  it('ends a 204 answer without a body and reuses its connection', async () => {
    const server = await raw((socket, request) =>
      socket.write(
        request.index === 0
          ? 'HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n'
          : 'HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n',
      ),
    );
    const wire = client();
    const first = await send(wire, server.url());
    expect(first.status).toBe(204);
    expect(first.headers).toEqual({ 'x-a': '1' });
    const sink = record(first);
    expect(await sink.outcome).toBe('end');
    expect(sink.chunks).toEqual([]);
    expect(wire.idle()).toBe(1);

    const second = await send(wire, server.url());
    expect(second.status).toBe(202);
    expect(await bodyOf(second)).toBe('');
    expect(server.connections).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('delivers an answer followed by bytes nobody asked for, and does not reuse its connection', async () => {
    const server = await raw((socket) =>
      socket.write(`${answer('{"n":1}')}HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n`),
    );
    const wire = client();
    const first = await send(wire, server.url());
    expect(await bodyOf(first)).toBe('{"n":1}');
    expect(wire.idle()).toBe(0);
    await expect.poll(() => server.closed.has(0)).toBe(true);

    expect(await bodyOf(await send(wire, server.url()))).toBe('{"n":1}');
    expect(server.connections).toHaveLength(2);
  });

  it('does not reuse a connection that was given extra bytes after a 204', async () => {
    const server = await raw((socket) =>
      socket.write('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'),
    );
    const wire = client();
    const first = await send(wire, server.url());
    expect(first.status).toBe(204);
    expect(await bodyOf(first)).toBe('');
    await expect.poll(() => server.closed.has(0)).toBe(true);
    await expect.poll(() => wire.idle()).toBe(0);
    await send(wire, server.url());
    expect(server.connections).toHaveLength(2);
  });

  it('drops an idle connection that the server talks on or closes', async () => {
    const server = await raw((socket, request) => {
      socket.write(answer('{}'));
      setTimeout(() => (request.connection === 0 ? socket.write('HTTP/1.1 200 OK\r\n') : socket.end()), 10);
    });
    const wire = client();
    await bodyOf(await send(wire, server.url()));
    await expect.poll(() => server.closed.has(0)).toBe(true);
    expect(wire.idle()).toBe(0);
    await bodyOf(await send(wire, server.url()));
    await expect.poll(() => server.closed.has(1)).toBe(true);
    await expect.poll(() => wire.idle()).toBe(0);
    await bodyOf(await send(wire, server.url()));
    expect(server.connections).toHaveLength(3);
  });
});

describe('wire client: failures', () => {
  it.each([
    ['closes', (socket: Socket) => socket.destroy()],
    ['resets', (socket: Socket) => socket.resetAndDestroy()],
  ])(
    'retries once on a new connection when the server %s a kept-alive connection without answering',
    async (_, kill) => {
      const server = await raw((socket, request) => {
        if (request.connection === 0 && request.index === 1) kill(socket);
        else socket.write(answer(`{"id":${server.requests.length}}`));
      });
      const wire = client();
      expect(await bodyOf(await send(wire, server.url()))).toBe('{"id":1}');
      expect(wire.idle()).toBe(1);
      const retried = await send(wire, server.url());
      expect(retried.status).toBe(200);
      expect(await bodyOf(retried)).toBe('{"id":3}');
      expect(server.connections).toHaveLength(2);
      expect(server.requests.map((r) => [r.connection, r.index])).toEqual([
        [0, 0],
        [0, 1],
        [1, 0],
      ]);
    },
  );

  it('fails with ECONNRESET, without a retry, when a new connection closes without an answer', async () => {
    const server = await raw((socket) => socket.destroy());
    const wire = client();
    await expect(send(wire, server.url())).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests).toHaveLength(1);
    expect(server.connections).toHaveLength(1);
  });

  it('does not retry a kept-alive connection that closes once part of the answer has come', async () => {
    const server = await raw((socket, request) => {
      if (request.index === 0) socket.write(answer('{}'));
      else socket.end('HTTP/1.1 200 OK\r\ncontent-');
    });
    const wire = client();
    await bodyOf(await send(wire, server.url()));
    await expect(send(wire, server.url())).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests).toHaveLength(2);
    expect(server.connections).toHaveLength(1);
  });

  it('tells the body sink when the connection closes mid-body', async () => {
    const server = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"partial":');
      setTimeout(() => socket.end(), 10);
    });
    const wire = client();
    const got = await send(wire, server.url());
    expect(got.status).toBe(200);
    const sink = record(got);
    const outcome = await sink.outcome;
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).toMatchObject({ code: 'ECONNRESET' });
    expect(sink.text()).toBe('{"partial":');
    expect(wire.idle()).toBe(0);
  });

  it('tells the body sink when the connection closes mid-chunk', async () => {
    const server = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\n{"par');
      setTimeout(() => socket.destroy(), 10);
    });
    const wire = client();
    const sink = record(await send(wire, server.url()));
    expect(await sink.outcome).toMatchObject({ code: 'ECONNRESET' });
    expect(sink.text()).toBe('{"par');
  });

  it('tells the body sink when a body read until the close is cut by a reset', async () => {
    const server = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"part');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const wire = client();
    const sink = record(await send(wire, server.url()));
    expect(await sink.outcome).toMatchObject({ code: 'ECONNRESET' });
  });

  it('gives the body that came before the sink was attached, then its failure', async () => {
    const server = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    const wire = client();
    const got = await send(wire, server.url());
    await expect.poll(() => server.closed.has(0)).toBe(true);
    await pause(20);
    const sink = record(got);
    expect(await sink.outcome).toMatchObject({ code: 'ECONNRESET' });
    expect(sink.text()).toBe('abc');
    expect(() => got.read({ data() {}, end() {}, error() {} })).toThrow();
  });

  it('rejects with the abort reason when the signal aborts before the answer, and closes the connection', async () => {
    const server = await raw(() => {});
    const wire = client();
    const controller = new AbortController();
    const pending = send(wire, server.url(), call(1), controller.signal);
    await expect.poll(() => server.requests.length).toBe(1);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect.poll(() => server.closed.has(0)).toBe(true);
    expect(wire.idle()).toBe(0);
  });

  it('rejects an already aborted signal without connecting, with an AbortError when it has no reason', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client();
    const controller = new AbortController();
    controller.abort();
    await expect(send(wire, server.url(), call(1), controller.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    const reason = new Error('gone');
    await expect(send(wire, server.url(), call(1), AbortSignal.abort(reason))).rejects.toBe(reason);
    await pause(20);
    expect(server.connections).toHaveLength(0);
  });

  it('tells the body sink the abort reason when the signal aborts mid-body, and closes the connection', async () => {
    const server = await raw((socket) =>
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"partial":'),
    );
    const wire = client();
    const controller = new AbortController();
    const got = await send(wire, server.url(), call(1), controller.signal);
    const sink = record(got);
    await expect.poll(() => sink.chunks.length).toBeGreaterThan(0);
    const reason = new Error('deadline');
    controller.abort(reason);
    expect(await sink.outcome).toBe(reason);
    await expect.poll(() => server.closed.has(0)).toBe(true);
    expect(wire.idle()).toBe(0);
  });

  it('leaves a finished exchange alone when its signal aborts later', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client();
    const controller = new AbortController();
    await bodyOf(await send(wire, server.url(), call(1), controller.signal));
    controller.abort(new Error('late'));
    expect(wire.idle()).toBe(1);
    await bodyOf(await send(wire, server.url()));
    expect(server.connections).toHaveLength(1);
    expect(server.closed.size).toBe(0);
  });

  it('refuses a header value or name that would break the request, and sends nothing', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client();
    const url = server.url();
    expect(() =>
      wire.post(wireRequest(url, { 'x-mcp-secret-a': 'v\r\nx-evil: 1' }), '{}', new AbortController().signal),
    ).toThrow(InvalidHeaderError);
    for (const value of ['v\nx-evil: 1', 'v\rx', 'nul\0', 'del\x7f', 'euro €']) {
      expect(() => wireRequest(url, { 'x-a': value })).toThrow(InvalidHeaderError);
    }
    for (const name of ['x-evil: 1\r\nx-b', 'x evil', 'x:y', '', 'x\ny', 'é']) {
      expect(() => wireRequest(url, { [name]: 'v' })).toThrow(InvalidHeaderError);
    }
    expect(() => wireRequest(url, { 'x-a': 'v\r\n' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_HTTP_TOKEN', name: 'InvalidHeaderError' }),
    );
    expect(() => wireRequest(url, { 'x-a': 'tab\tand latin1 \xe9' })).not.toThrow();
    await pause(20);
    expect(server.connections).toHaveLength(0);
  });

  it('refuses a URL that is neither http nor https', () => {
    expect(() => wireRequest(new URL('ftp://127.0.0.1/mcp'), {})).toThrow(TypeError);
  });

  const big = 'a'.repeat(20 * 1024);
  it.each([
    ['a status line that is not HTTP/1.x', ['ICY 200 OK\r\ncontent-length: 2\r\n\r\nok']],
    ['an HTTP/2 status line', ['HTTP/2 200\r\ncontent-length: 2\r\n\r\nok']],
    ['a header line without a colon', ['HTTP/1.1 200 OK\r\ncontent-length: 2\r\nno colon here\r\n\r\nok']],
    ['a header line that starts with a colon', ['HTTP/1.1 200 OK\r\n: x\r\ncontent-length: 2\r\n\r\nok']],
    ['an invalid Content-Length', ['HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\nok']],
    ['a negative Content-Length', ['HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\nok']],
    [
      'two different Content-Lengths',
      ['HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok'],
    ],
    ['a 101 Switching Protocols', ['HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n']],
    [
      'a header section over 16 KiB in one write',
      [`HTTP/1.1 200 OK\r\nx-big: ${big}\r\ncontent-length: 2\r\n\r\nok`],
    ],
    [
      'a header section over 16 KiB in several writes',
      ['HTTP/1.1 200 OK\r\n', ...Array.from({ length: 6 }, (_, i) => `x-big-${i}: ${'b'.repeat(4000)}\r\n`)],
    ],
  ])('rejects %s with a WireProtocolError and closes the connection', async (_, writes) => {
    const server = await raw(async (socket) => {
      for (const bytes of writes) {
        if (socket.destroyed) return;
        socket.write(bytes);
        await pause(2);
      }
    });
    const wire = client();
    await expect(send(wire, server.url())).rejects.toBeInstanceOf(WireProtocolError);
    await expect.poll(() => server.closed.has(0)).toBe(true);
    expect(wire.idle()).toBe(0);
  });

  it('tells the body sink about a malformed chunk size or chunk end', async () => {
    const server = await raw((socket, request) =>
      socket.write(
        request.connection === 0
          ? 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'
          : 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
      ),
    );
    const wire = client();
    const first = record(await send(wire, server.url()));
    expect(await first.outcome).toBeInstanceOf(WireProtocolError);
    const second = record(await send(wire, server.url()));
    expect(await second.outcome).toBeInstanceOf(WireProtocolError);
    expect(second.text()).toBe('ab');
    await expect.poll(() => server.closed.size).toBe(2);
  });

  it('rejects with ECONNREFUSED when nothing listens on the port', async () => {
    const server = createNetServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const wire = client();
    await expect(send(wire, new URL(`http://127.0.0.1:${port}/mcp`))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(wire.idle()).toBe(0);
  });
});

describe('wire client: connections', () => {
  it('closes a connection left idle longer than idleMs at the next sweep', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const wire = client({ idleMs: 50 });
    await bodyOf(await send(wire, server.url()));
    expect(wire.idle()).toBe(1);
    await expect.poll(() => server.closed.has(0), { timeout: 5_000, interval: 50 }).toBe(true);
    expect(wire.idle()).toBe(0);
    await bodyOf(await send(wire, server.url()));
    expect(server.connections).toHaveLength(2);
  });

  it('opens a connection per concurrent request, keeps them all, and closes them on close()', async () => {
    let connections = 0;
    let closes = 0;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        setTimeout(() => res.end(Buffer.concat(chunks)), 20);
      });
    });
    server.on('connection', (socket: Socket) => {
      connections++;
      socket.on('close', () => closes++);
    });
    const port = await listen(server);
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const wire = client();
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const bodies = await Promise.all([1, 2, 3].map(async (id) => bodyOf(await send(wire, url, call(id)))));
    expect(bodies).toEqual([call(1), call(2), call(3)]);
    expect(connections).toBe(3);
    expect(wire.idle()).toBe(3);
    for (let id = 4; id < 10; id++) expect(await bodyOf(await send(wire, url, call(id)))).toBe(call(id));
    expect(connections).toBe(3);

    wire.close();
    expect(wire.idle()).toBe(0);
    await expect.poll(() => closes).toBe(3);
    await expect(send(wire, url)).rejects.toThrow('closed');
  });

  it('uses the lookup option to resolve host names', async () => {
    const server = await raw((socket) => socket.write(answer('{}')));
    const calls: string[] = [];
    const lookup: LookupFunction = (hostname, options, callback) => {
      calls.push(hostname);
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    const wire = client({ lookup });
    const url = new URL(`http://upstream.test:${server.url().port}/mcp`);
    const got = await send(wire, url);
    expect(got.status).toBe(200);
    await bodyOf(got);
    expect(calls).toContain('upstream.test');
    expect(server.requests[0]?.head).toContain(`\r\nhost: upstream.test:${url.port}\r\n`);
  });
});

describe('wire client: bodyChunks', () => {
  it('yields the whole body, then the connection is kept', async () => {
    const server = await raw((socket) =>
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'),
    );
    const wire = client();
    const chunks: string[] = [];
    for await (const chunk of bodyChunks(await send(wire, server.url()))) chunks.push(chunk.toString());
    expect(chunks.join('')).toBe('abcde');
    expect(wire.idle()).toBe(1);
  });

  it.each([
    ['chunked', 'transfer-encoding: chunked\r\n\r\n6\r\nfirst.\r\n'],
    ['read until the close', 'content-type: application/json\r\n\r\nfirst.'],
  ])('closes the connection when the iteration of a %s body stops early', async (_, rest) => {
    const server = await raw((socket) => socket.write(`HTTP/1.1 200 OK\r\n${rest}`));
    const wire = client();
    const seen: string[] = [];
    for await (const chunk of bodyChunks(await send(wire, server.url()))) {
      seen.push(chunk.toString());
      break;
    }
    expect(seen).toEqual(['first.']);
    await expect.poll(() => server.closed.has(0)).toBe(true);
    expect(wire.idle()).toBe(0);
  });

  it('throws the failure of a body cut short', async () => {
    const server = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc'));
    const wire = client();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of bodyChunks(await send(wire, server.url()))) seen.push(chunk.toString());
      })(),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen.join('')).toBe('abc');
  });
});

describe('wire client: https', () => {
  let dir: string;
  let ca: Buffer;
  let url: URL;
  let connections = 0;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wire-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    const server = createHttpsServer({ key: readFileSync(key), cert: ca }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(Buffer.concat(chunks));
      });
    });
    server.on('secureConnection', () => connections++);
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    url = new URL(`https://127.0.0.1:${port}/mcp`);
    close = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('posts over TLS to a server whose certificate authority it is given, on one connection', async () => {
    const wire = client({ tls: { ca } });
    const first = await send(wire, url, call(1));
    expect(first.status).toBe(200);
    expect(await bodyOf(first)).toBe(call(1));
    expect(await bodyOf(await send(wire, url, call(2)))).toBe(call(2));
    expect(connections).toBe(1);
  });

  it('fails when the certificate cannot be verified', async () => {
    const wire = client();
    await expect(send(wire, url)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/),
    });
    expect(wire.idle()).toBe(0);
  });
});
