import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../src/config.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { type S3Server, startS3Server, versitygwBinary } from './support/storage-s3.js';

// Deleting a project whose objects live in S3 (a real S3-compatible server, versitygw): its blobs
// are deleted from the bucket, another project's stay (decision 0048).

const haveS3 = versitygwBinary() !== null;
if (process.env.CI === 'true' && !haveS3) throw new Error('CI needs versitygw (scripts/system-deps.sh)');

let s3: S3Server | undefined;
beforeAll(async () => {
  if (haveS3) s3 = await startS3Server();
});
afterAll(() => s3?.stop());

describe.skipIf(!haveS3).each(BACKENDS)('deleting a project with objects in S3, on $name', (backend) => {
  let bucket: S3Config;
  let t: TestPlatform;
  let client: S3Client;

  beforeAll(async () => {
    bucket = await s3!.bucket();
    t = await testPlatform(backend, {
      overrides: (config) => ({ storage: { ...config.storage, s3: bucket } }),
    });
    client = new S3Client({
      region: bucket.region,
      endpoint: bucket.endpoint!,
      forcePathStyle: true,
      credentials: { accessKeyId: bucket.accessKeyId!, secretAccessKey: bucket.secretAccessKey! },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await t?.close();
  });

  /** The names of the bucket's blobs under `prefix`. */
  async function blobs(prefix: string): Promise<string[]> {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function projectWithObjects(name: string) {
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name },
    });
    const { id } = created.json.project;
    const sk = created.json.secretKey.key;
    for (const key of ['a.txt', 'docs%2Fb.txt']) {
      const res = await t.call({
        method: 'PUT',
        path: `/v1/storage/objects/${key}`,
        auth: sk,
        headers: { 'content-type': 'application/octet-stream' },
        body: `bytes of ${key}`,
      });
      expect(res.status, res.text).toBe(200);
    }
    // A copy is a blob of its own.
    const copied = await t.call({
      method: 'POST',
      path: '/v1/storage/copy',
      auth: sk,
      body: { sourceKey: 'a.txt', destinationKey: 'c.txt' },
    });
    expect(copied.status, copied.text).toBe(200);
    return { id: id as string, sk: sk as string };
  }

  it('deletes the project’s blobs from the bucket and keeps another project’s', async () => {
    const doomed = await projectWithObjects('Doomed');
    const other = await projectWithObjects('Other');
    expect(await blobs(`${doomed.id}/`)).toHaveLength(3);
    const kept = await blobs(`${other.id}/`);
    expect(kept).toHaveLength(3);

    const deleted = await t.call({
      method: 'DELETE',
      path: `/v1/projects/${doomed.id}`,
      auth: t.keys.accountKey,
    });
    expect(deleted.status, deleted.text).toBe(204);

    expect(await blobs(`${doomed.id}/`)).toEqual([]);
    expect(await blobs(`${other.id}/`)).toEqual(kept);
    const read = await t.call({ method: 'GET', path: '/v1/storage/objects/docs%2Fb.txt', auth: other.sk });
    expect(read.text).toBe('bytes of docs%2Fb.txt');
  });
});
