import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { createClient, type NodeClient } from '../src';

// Files and Node streams with client.storage, the Node way: `fs.openAsBlob` or `Readable.toWeb`
// up, `Readable.fromWeb` down to a file; nothing is read whole into memory on the client either.

let platform: RunningPlatform;
let client: NodeClient;
let dir: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
  dir = await mkdtemp(join(tmpdir(), 'aerostack-node-storage-'));
});
afterAll(async () => {
  await platform?.close();
  await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('client.storage from Node', () => {
  it('uploads a file (openAsBlob) and a Node stream, and downloads to a file', async () => {
    const source = join(dir, 'source.bin');
    const content = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 13) % 256);
    await writeFile(source, content);

    const fromFile = await client.storage.upload('node/file.bin', await openAsBlob(source));
    expect(fromFile.etag).toBe(`"${sha(content)}"`);
    const fromStream = await client.storage.upload(
      'node/stream.bin',
      Readable.toWeb(createReadStream(source)) as unknown as ReadableStream<Uint8Array>,
    );
    expect(fromStream.sizeBytes).toBe(content.byteLength);

    const target = join(dir, 'target.bin');
    const res = await client.storage.download('node/stream.bin');
    await pipeline(Readable.fromWeb(res.body as unknown as NodeReadableStream), createWriteStream(target));
    expect(sha(await readFile(target))).toBe(sha(content));
  });
});
