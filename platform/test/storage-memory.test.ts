import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server, versitygwBinary } from './support/storage-s3.js';

// Acceptance: a 200 MB object streams through the platform without being held in memory, on the
// local directory and on the S3 server. The platform runs as its own process (the fixture
// platform, for its /test/memory report), so its peak RSS is measured alone.

const MB = 1024 * 1024;
const SIZE = 200 * MB;
const haveS3 = versitygwBinary() !== null;
if (process.env.CI === 'true' && !haveS3) throw new Error('CI needs versitygw (scripts/system-deps.sh)');

let s3: S3Server | undefined;
beforeAll(async () => {
  if (haveS3) s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

async function serve(env: Record<string, string>) {
  const child = spawn(
    join(import.meta.dirname, '../node_modules/.bin/tsx'),
    [join(import.meta.dirname, 'fixtures/serve.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'error', ...env } },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return { child, ...(JSON.parse(line) as { url: string; secretKey: string }) };
}

describe.each(haveS3 ? ['local', 's3'] : ['local'])('a 200 MB object on %s storage', (store) => {
  let platform: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const env = store === 's3' ? { ...s3!.env, S3_BUCKET: (await s3!.bucket()).bucket } : {};
    platform = await serve(env);
  }, 60_000);
  afterAll(() => {
    platform?.child.kill('SIGTERM');
  });

  const memory = async () =>
    (await (await fetch(`${platform.url}/test/memory`)).json()) as { rssBytes: number; maxRssBytes: number };
  const auth = () => ({ authorization: `Bearer ${platform.secretKey}` });

  it('uploads and downloads without the platform holding it', async () => {
    // Warm the path, so the baseline includes what any upload costs once.
    await fetch(`${platform.url}/v1/storage/objects/warm`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: new Uint8Array(16 * MB),
    });
    await (await fetch(`${platform.url}/v1/storage/objects/warm`, { headers: auth() })).arrayBuffer();
    const before = await memory();
    // The process's peak may predate the test (boot); sampling its current RSS while the bytes
    // flow gives what the transfer itself costs.
    let sampledMax = before.rssBytes;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sampledMax = Math.max(sampledMax, (await memory()).rssBytes);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const hash = createHash('sha256');
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= SIZE) return controller.close();
        chunk.fill((sent / chunk.length) % 251);
        hash.update(chunk);
        controller.enqueue(chunk.slice());
        sent += chunk.length;
      },
    });
    const up = await fetch(`${platform.url}/v1/storage/objects/big%2Fobject.bin`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(up.status, await up.clone().text()).toBe(200);
    const digest = hash.digest('hex');
    expect(await up.json()).toMatchObject({ sizeBytes: SIZE, etag: `"${digest}"` });
    const afterUpload = await memory();

    const down = await fetch(`${platform.url}/v1/storage/objects/big%2Fobject.bin`, { headers: auth() });
    expect(down.status).toBe(200);
    const check = createHash('sha256');
    let received = 0;
    for await (const part of down.body as unknown as AsyncIterable<Uint8Array>) {
      check.update(part);
      received += part.byteLength;
    }
    expect(received).toBe(SIZE);
    expect(check.digest('hex')).toBe(digest);
    sampling = false;
    await sampler;
    const afterDownload = await memory();

    const baseline = Math.max(before.maxRssBytes, before.rssBytes);
    const f = (n: number) => (n / MB).toFixed(1);
    console.log(
      `${store}: platform RSS ${f(before.rssBytes)} MB before, at most ${f(sampledMax)} MB while 200 MB went up and down; peak RSS ${f(baseline)} → ${f(afterUpload.maxRssBytes)} (upload) → ${f(afterDownload.maxRssBytes)} MB (download)`,
    );
    // Held whole, the object alone would add 200 MB; streamed, what grows is buffers and garbage.
    expect(sampledMax - before.rssBytes).toBeLessThan(100 * MB);
    expect(afterDownload.maxRssBytes - baseline).toBeLessThan(100 * MB);
  }, 180_000);
});
