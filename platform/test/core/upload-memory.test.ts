import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A 50 MB octet-stream upload, streamed by the platform to the handler, which writes it to disk
// and answers its SHA-256. Measured in the platform's own process (a child): its peak RSS grows by
// far less than the upload, so the body was never held whole.

const MB = 1024 * 1024;
let child: ReturnType<typeof spawn>;
let platform: { url: string; secretKey: string };

beforeAll(async () => {
  child = spawn(
    join(import.meta.dirname, '../../node_modules/.bin/tsx'),
    [join(import.meta.dirname, '../fixtures/serve.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  platform = JSON.parse(line);
}, 60_000);
afterAll(() => {
  child?.kill('SIGTERM');
});

async function memory() {
  const res = await fetch(`${platform.url}/test/memory`);
  return (await res.json()) as { rssBytes: number; maxRssBytes: number };
}

describe('a 50 MB upload', () => {
  it('is streamed to disk with its SHA-256, without the platform holding it in memory', async () => {
    // Warm the path first, so the baseline includes what any upload costs once.
    await fetch(`${platform.url}/test/blobs/warm`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(MB),
    });
    const before = await memory();
    const hash = createHash('sha256');
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 50 * MB) return controller.close();
        chunk.fill(sent / chunk.length);
        hash.update(chunk);
        controller.enqueue(chunk.slice());
        sent += chunk.length;
      },
    });
    const res = await fetch(`${platform.url}/test/blobs/fifty`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'fifty', sizeBytes: 50 * MB, sha256: hash.digest('hex') });
    const after = await memory();
    const growth = after.maxRssBytes - Math.max(before.maxRssBytes, before.rssBytes);
    console.log(
      `peak RSS ${(before.maxRssBytes / MB).toFixed(1)} MB → ${(after.maxRssBytes / MB).toFixed(1)} MB during a 50 MB upload`,
    );
    // Held whole, the body alone would add 50 MB; streamed, what grows is garbage not yet collected.
    expect(growth).toBeLessThan(45 * MB);

    const download = await fetch(`${platform.url}/test/blobs/fifty`, {
      headers: { authorization: `Bearer ${platform.secretKey}`, range: `bytes=${49 * MB}-` },
    });
    expect(download.status).toBe(206);
    expect((await download.arrayBuffer()).byteLength).toBe(MB);
  }, 60_000);
});
