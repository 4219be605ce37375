import { type AerostackClient, createClient, memoryStorage } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useDb, useDbQuery, useRealtimeStatus, useSubscription } from '../src/index.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useDb / useDbQuery and useSubscription / useRealtimeStatus against the real platform.

let platform: TestPlatform;
let admin: AerostackClient;
beforeAll(async () => {
  platform = await startTestPlatform();
  admin = platform.client();
  await admin.db.migrate([
    { name: '0001_items', sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' },
  ]);
});
afterAll(() => platform?.close());
afterEach(cleanup);

describe('useDb and useDbQuery', () => {
  it('reads with a cached query, and a write through useDb refreshes it', async () => {
    const wrapper = providerFor(admin);
    const { result } = renderHook(
      () => ({ db: useDb(), list: useDbQuery<{ name: string }>('SELECT name FROM items ORDER BY id') }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.rows).toEqual([]));
    await act(() => result.current.db.query('INSERT INTO items (name) VALUES (?)', ['first']));
    await waitFor(() => expect(result.current.list.rows).toEqual([{ name: 'first' }]));
    let failure: unknown;
    await act(async () => {
      failure = await result.current.db.query('INSERT INTO nowhere VALUES (1)').catch((e: unknown) => e);
    });
    expect(result.current.db.error).toBe(failure);
    expect(result.current.db.error).toMatchObject({ code: 'db/sql-error' });
  });
});

describe('useSubscription and useRealtimeStatus', () => {
  it('receives the messages of a channel, filtered by event, and reports the connection', async () => {
    const channel = `chat/react-${Date.now()}`;
    const wrapper = providerFor(admin);
    const { result } = renderHook(
      () => ({
        sub: useSubscription<{ text: string }>(channel, { event: 'said' }),
        status: useRealtimeStatus(),
      }),
      { wrapper },
    );
    expect(result.current.sub.loading).toBe(true);
    await waitFor(() => expect(result.current.sub.loading).toBe(false));
    expect(result.current.sub.status).toBe('open');
    await waitFor(() => expect(result.current.status).toBe('open'));
    await admin.realtime.publish(channel, 'said', { text: 'one' });
    await admin.realtime.publish(channel, 'ignored', { text: 'nope' });
    await admin.realtime.publish(channel, 'said', { text: 'two' });
    await waitFor(() => expect(result.current.sub.events.map((m) => m.data.text)).toEqual(['one', 'two']));
    expect(result.current.sub.data).toEqual({ text: 'two' });
  });

  it('reports a channel the rules refuse as an error', async () => {
    const anonymous = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: memoryStorage() },
    });
    const { result } = renderHook(() => useSubscription('private/x'), { wrapper: providerFor(anonymous) });
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'realtime/channel-denied' }));
    expect(result.current.loading).toBe(false);
  });
});
