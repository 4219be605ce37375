import { type AerostackClient, createClient } from '@aerostack/core';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useStorage } from '../src/index.js';
import { startTestPlatform, type TestPlatform } from './support/platform.js';
import { providerFor } from './support/render.js';

// useStorage against the real platform: a key upload with the secret key (streamed and counted),
// and the browser's way, a signed URL minted by the server and uploaded through jsdom's
// XMLHttpRequest (real HTTP, with upload progress events) by a client without a credential.

let platform: TestPlatform;
let server: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  server = platform.client();
});
afterAll(() => platform?.close());
afterEach(cleanup);

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256);

describe('useStorage', () => {
  it('uploads to a key with progress, then holds the stored object', async () => {
    const { result } = renderHook(() => useStorage(), { wrapper: providerFor(server) });
    expect(result.current.progress).toBeNull();
    const body = bytesOf(256 * 1024);
    let stored: Awaited<ReturnType<typeof result.current.upload>> | undefined;
    await act(async () => {
      stored = await result.current.upload('react/one.bin', body, {
        contentType: 'application/x-one',
      });
    });
    expect(stored).toMatchObject({
      key: 'react/one.bin',
      sizeBytes: body.byteLength,
      contentType: 'application/x-one',
    });
    await waitFor(() => expect(result.current.isUploading).toBe(false));
    expect(result.current.data).toEqual(stored);
    expect(result.current.progress).toEqual({ loaded: body.byteLength, total: body.byteLength });
    expect(result.current.fraction).toBe(1);
    const head = await server.storage.head('react/one.bin');
    expect(head.sizeBytes).toBe(body.byteLength);
  });

  it('renders the progress while the bytes go up, not only once they are all sent', async () => {
    const rendered: Array<{ loaded: number; total: number | null; uploading: boolean }> = [];
    const { result } = renderHook(
      () => {
        const storage = useStorage();
        if (storage.progress) rendered.push({ ...storage.progress, uploading: storage.isUploading });
        return storage;
      },
      { wrapper: providerFor(server) },
    );
    const body = bytesOf(8 * 1024 * 1024);
    // Not inside act(), which would hold every render back until the upload is over: the hook
    // re-renders as React schedules it, between the chunks the transport reads.
    const stored = result.current.upload('react/big.bin', body);
    await waitFor(() => expect(result.current.data?.sizeBytes).toBe(body.byteLength), { timeout: 30_000 });
    await stored;
    const midway = rendered.filter((p) => p.uploading && p.loaded > 0 && p.loaded < body.byteLength);
    expect(midway.length, JSON.stringify(rendered.map((p) => p.loaded))).toBeGreaterThan(1);
    expect(midway.every((p) => p.total === body.byteLength)).toBe(true);
    const loaded = rendered.map((p) => p.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(rendered.at(-1)).toMatchObject({ loaded: body.byteLength, total: body.byteLength });
  });

  it('uploads a file to a signed URL from the browser, without a credential, with progress', async () => {
    const signed = await server.storage.createSignedUrl('react/from-browser.txt', {
      method: 'PUT',
      contentType: 'text/plain',
      expiresInSeconds: 60,
    });
    const browser = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const { result } = renderHook(() => useStorage(), { wrapper: providerFor(browser) });
    const file = new File(['x'.repeat(100_000)], 'note.txt', { type: 'text/plain' });
    await act(async () => {
      await result.current.upload(signed, file);
    });
    expect(result.current.error).toBeNull();
    expect(result.current.data).toMatchObject({
      key: 'react/from-browser.txt',
      sizeBytes: 100_000,
      contentType: 'text/plain',
    });
    expect(result.current.progress?.loaded).toBe(100_000);
    expect(await (await server.storage.download('react/from-browser.txt')).text()).toBe('x'.repeat(100_000));
  });

  it('reports a refused upload as its error', async () => {
    const signed = await server.storage.createSignedUrl('react/read-only.txt', { method: 'GET' });
    const browser = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const { result } = renderHook(() => useStorage(), { wrapper: providerFor(browser) });
    await act(async () => {
      await result.current.upload(signed, new Blob(['nope'])).catch(() => {});
    });
    await waitFor(() => expect(result.current.error).not.toBeNull());
    expect(result.current.error).toMatchObject({ code: 'storage/invalid-signature', status: 403 });
    act(() => result.current.reset());
    await waitFor(() => expect(result.current.error).toBeNull());
    expect(result.current.progress).toBeNull();
  });
});
