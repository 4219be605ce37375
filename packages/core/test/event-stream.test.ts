import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type EventStreamState, openEventStream, type StreamEvent } from '../src';
import { type LocalServer, sendJson, startLocalServer, unavailable } from './support/local-server';
import { rejectionOf as rejection } from './support/rejection';

type Events = { tick: { n: number }; message: { text: string } };

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts an SSE response and returns a writer of raw event-stream text. */
function sse(res: ServerResponse): (text: string) => void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  return (text) => res.write(text);
}
const tick = (id: number) => `id: ${id}\nevent: tick\ndata: {"n":${id}}\n\n`;

async function collect<T>(stream: AsyncIterable<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length >= limit) break;
  }
  return events;
}

const headersSeen: IncomingMessage['headers'][] = [];
afterEach(() => {
  headersSeen.length = 0;
});
async function serve(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  server = await startLocalServer((req, res, n) => {
    headersSeen.push(req.headers);
    handle(req, res, n);
  });
  return server;
}

describe('openEventStream', () => {
  it('yields typed events with parsed JSON data, skipping heartbeat comments', async () => {
    const { url } = await serve((_req, res) => {
      const write = sse(res);
      write(': heartbeat\n\n');
      write(tick(1));
      write(': heartbeat\n\n');
      write('data: {"text":"hi"}\n\n');
      write('id: 7\nevent: tick\ndata: {"n":\ndata: 2}\n\n');
      res.end();
    });
    const client = createClient({ url, secretKey: 'sk_1' });
    const events = await collect(openEventStream<Events>(client, '/events', { maxReconnects: 0 }));
    expect(events).toEqual([
      { id: '1', event: 'tick', data: { n: 1 } },
      { id: undefined, event: 'message', data: { text: 'hi' } },
      { id: '7', event: 'tick', data: { n: 2 } },
    ]);
    expect(headersSeen[0]).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer sk_1' });
  });

  it('reconnects after a drop with Last-Event-ID, waiting the server’s retry: interval', async () => {
    const connectedAt: number[] = [];
    const { url } = await serve((_req, res, n) => {
      connectedAt.push(Date.now());
      if (n === 3) return void res.writeHead(204).end();
      const write = sse(res);
      if (n === 1) {
        write('retry: 1200\n\n');
        write(tick(1));
        write(tick(2));
        setTimeout(() => res.destroy(), 50); // a dropped connection, not a clean end
      } else {
        write(tick(3));
        res.end();
      }
    });
    const states: EventStreamState[] = [];
    const stream = openEventStream<Events>(createClient({ url }), '/events', {
      onStateChange: (state) => states.push(state),
    });
    expect(stream.state).toBe('idle');
    const events = await collect(stream);
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(headersSeen.map((h) => h['last-event-id'])).toEqual([undefined, '2', '3']);
    expect((connectedAt[1] ?? 0) - (connectedAt[0] ?? 0)).toBeGreaterThanOrEqual(1_200);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'closed']);
    expect(stream.state).toBe('closed');
    expect(stream.lastEventId).toBe('3');
  });

  it('resumes from the lastEventId it is given', async () => {
    const { url } = await serve((_req, res) => res.writeHead(204).end());
    await collect(openEventStream(createClient({ url }), '/events', { lastEventId: '41' }));
    expect(headersSeen[0]?.['last-event-id']).toBe('41');
  });

  it('asks the credential provider again for every connection', async () => {
    let calls = 0;
    const { url } = await serve((_req, res, n) => {
      if (n === 3) return void res.writeHead(204).end();
      sse(res)(tick(n));
      res.end();
    });
    const client = createClient({ url, credential: async () => `tok_${++calls}` });
    await collect(openEventStream(client, '/events'));
    expect(headersSeen.map((h) => h.authorization)).toEqual(['Bearer tok_1', 'Bearer tok_2', 'Bearer tok_3']);
  });

  it('rejects with the AerostackError of a non-2xx answer, without reconnecting', async () => {
    const { url, hits } = await serve((_req, res) =>
      sendJson(res, 401, {
        title: 'No',
        status: 401,
        code: 'auth/invalid-credentials',
        requestId: 'req_sse',
      }),
    );
    const stream = openEventStream(createClient({ url, secretKey: 'sk_bad' }), '/events');
    const error = await rejection(collect(stream));
    expect(error).toMatchObject({ code: 'auth/invalid-credentials', status: 401, requestId: 'req_sse' });
    expect(hits).toHaveLength(1);
    expect(stream.state).toBe('closed');
  });

  it('retries a 503 with Retry-After before the stream opens', async () => {
    const { url, hits } = await serve((_req, res, n) => {
      if (n === 1) return unavailable(res, '0');
      if (n === 3) return void res.writeHead(204).end();
      sse(res)(tick(1));
      res.end();
    });
    const events = await collect(openEventStream<Events>(createClient({ url }), '/events'));
    expect(events).toEqual([{ id: '1', event: 'tick', data: { n: 1 } }]);
    expect(hits).toHaveLength(3);
  });

  it.each([
    ['an answer that is not an event stream', (res: ServerResponse) => sendJson(res, 200, { ok: true })],
    ['data that is not JSON', (res: ServerResponse) => sse(res)('event: tick\ndata: {oops\n\n')],
  ])('rejects %s with client/invalid-response', async (_name, answer) => {
    const { url, hits } = await serve((_req, res) => answer(res));
    const error = await rejection(collect(openEventStream(createClient({ url }), '/events')));
    expect(error).toMatchObject({ code: 'client/invalid-response', status: 200 });
    expect(hits).toHaveLength(1);
  });

  it('turns an error event into an AerostackError: thrown for a 4xx, reconnected after for a 5xx', async () => {
    const problem = (status: number, code: string) =>
      `event: error\ndata: ${JSON.stringify({ title: 'Failed', status, code, requestId: 'req_err' })}\n\n`;
    const { url, hits } = await serve((_req, res, n) => {
      if (n === 3) return void res.writeHead(204).end();
      const write = sse(res);
      write(tick(n));
      write(n === 1 ? problem(503, 'internal/unexpected') : problem(403, 'auth/wrong-credential-type'));
      res.end();
    });
    const events: StreamEvent<Events>[] = [];
    const error = await rejection(
      (async () => {
        for await (const event of openEventStream<Events>(createClient({ url }), '/events'))
          events.push(event);
      })(),
    );
    expect(events.map((e) => e.id)).toEqual(['1', '2']);
    expect(error).toMatchObject({ code: 'auth/wrong-credential-type', status: 403, requestId: 'req_err' });
    expect(hits).toHaveLength(2);
  });

  it('ends quietly when the signal aborts, closing the connection', async () => {
    let closed = false;
    const { url } = await serve((req, res) => {
      const write = sse(res);
      write(tick(1));
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), 50);
      req.socket.on('close', () => {
        closed = true;
        clearInterval(heartbeat);
      });
    });
    const controller = new AbortController();
    const stream = openEventStream<Events>(createClient({ url }), '/events', { signal: controller.signal });
    const events: StreamEvent<Events>[] = [];
    for await (const event of stream) {
      events.push(event);
      setTimeout(() => controller.abort(), 100);
    }
    expect(events).toHaveLength(1);
    expect(stream.state).toBe('closed');
    await expect.poll(() => closed).toBe(true);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { url, hits } = await serve((_req, res) => sse(res)(tick(1)));
    const stream = openEventStream(createClient({ url }), '/events', { signal: AbortSignal.abort() });
    expect(stream.state).toBe('closed');
    expect(await collect(stream)).toEqual([]);
    expect(hits).toHaveLength(0);
  });

  it('closes the connection when the loop breaks, and on close()', async () => {
    let open = 0;
    const { url } = await serve((req, res) => {
      open++;
      const write = sse(res);
      write(tick(1));
      write(tick(2));
      req.socket.on('close', () => open--);
    });
    expect(await collect(openEventStream(createClient({ url }), '/events'), 1)).toHaveLength(1);
    await expect.poll(() => open).toBe(0);

    const stream = openEventStream(createClient({ url }), '/events');
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.close();
    expect(stream.state).toBe('closed');
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
    await expect.poll(() => open).toBe(0);
  });

  it('is not cut by timeoutMs while events keep coming, however far apart', async () => {
    const { url, hits } = await serve((_req, res) => {
      const write = sse(res);
      write(tick(1));
      setTimeout(() => {
        write(tick(2));
        res.end();
      }, 1_500);
    });
    const client = createClient({ url, timeoutMs: 300 });
    const events = await collect(openEventStream(client, '/events', { maxReconnects: 0 }));
    expect(events).toHaveLength(2);
    expect(hits).toHaveLength(1);
  });

  it('gives up after maxReconnects failed connections in a row', async () => {
    const { url } = await serve(() => {});
    await server?.close();
    server = undefined;
    const client = createClient({ url, maxRetries: 0 });
    const states: EventStreamState[] = [];
    const stream = openEventStream(client, '/events', {
      maxReconnects: 2,
      onStateChange: (s) => states.push(s),
    });
    expect((await rejection(collect(stream))).code).toBe('client/network');
    expect(states).toEqual(['connecting', 'reconnecting', 'closed']);
  });
});
