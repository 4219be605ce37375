import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// text/event-stream replies: ids, named events with JSON data validated against the spec,
// heartbeat comments, Last-Event-ID resume, and errors after the headers as an `error` event.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform({ heartbeatMs: 100 });
});
afterAll(() => p?.close());

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const frame: Frame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else {
          const [field, ...rest] = line.split(': ');
          frame[field as 'id' | 'event' | 'data' | 'retry'] = rest.join(': ');
        }
      }
      return frame;
    });
}

const ticks = (text: string) =>
  frames(text)
    .filter((f) => f.event === 'tick')
    .map((f) => ({ id: f.id, n: JSON.parse(f.data!).n }));

describe('event streams', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${p.url}/test/events?${query}`, {
      headers: { authorization: `Bearer ${p.secretKey}`, ...headers },
    });

  it('sends ids, names and JSON data, with the SSE headers and a retry hint', async () => {
    const res = await get('count=3');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('no-cache');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const text = await res.text();
    expect(frames(text)[0]).toEqual({ retry: '2000' });
    expect(ticks(text)).toEqual([
      { id: '1', n: 1 },
      { id: '2', n: 2 },
      { id: '3', n: 3 },
    ]);
  });

  it('resumes after Last-Event-ID', async () => {
    const first = ticks(await (await get('count=6&dropAfter=2')).text());
    expect(first.map((t) => t.id)).toEqual(['1', '2']);
    const rest = ticks(await (await get('count=6', { 'last-event-id': first.at(-1)!.id! })).text());
    expect(rest.map((t) => t.n)).toEqual([3, 4, 5, 6]);
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const text = await (await get('count=2&intervalMs=450')).text();
    expect(frames(text).filter((f) => f.comment === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(ticks(text)).toHaveLength(2);
  });

  it('reports a failure after the headers as a final error event carrying the problem', async () => {
    const res = await get('count=5&failAfter=1');
    expect(res.status).toBe(200);
    const all = frames(await res.text());
    const error = all.find((f) => f.event === 'error');
    expect(all.filter((f) => f.event === 'tick')).toHaveLength(1);
    expect(JSON.parse(error!.data!)).toMatchObject({ status: 500, code: 'internal/unexpected' });
    expect(error!.data).not.toContain('tick source failed');
  });

  it('checks parameters before the stream starts (problem+json, not a stream)', async () => {
    const res = await get('count=0');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('request/invalid-parameters');
    const bad = await get('count=2', { 'last-event-id': 'not-a-number' });
    expect(bad.status).toBe(400);
  });

  it('stops producing when the client goes away', async () => {
    const controller = new AbortController();
    const res = await get('count=1000&intervalMs=20', {});
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    controller.abort();
    // The platform is still healthy and serves the next stream promptly.
    const text = await (await get('count=1')).text();
    expect(ticks(text)).toHaveLength(1);
  });
});
