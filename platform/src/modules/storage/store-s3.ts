import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../../config.js';
import { BLOB_NAME, type Leftover, type ObjectStore } from './object-store.js';

// Bytes in an S3-compatible bucket. An upload of unknown length is sent as a multipart upload of
// PART_BYTES parts, so the platform holds at most one part per upload in memory; a body shorter
// than one part is a single PutObject. S3 makes an object visible only when it is complete, and an
// upload that fails midway is aborted, so nothing partial is left (decision 0040).

const PART_BYTES = 8 * 1024 * 1024;

/** Collects chunks into parts of exactly `size` bytes (the last may be shorter). */
async function* partsOf(body: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (length + rest.byteLength >= size) {
      const take = size - length;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending, size);
      rest = rest.subarray(take);
      pending = [];
      length = 0;
    }
    if (rest.byteLength > 0) {
      // Copied: the caller may reuse its chunk's memory once we return.
      pending.push(Buffer.from(rest));
      length += rest.byteLength;
    }
  }
  if (length > 0 || pending.length === 0) yield Buffer.concat(pending, length);
}

/** The S3 object store for `config`. */
export function createS3ObjectStore(config: S3Config): ObjectStore {
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
    // Checksums only where S3 requires them: other S3-compatible servers differ in what they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.bucket;

  async function multipart(Key: string, first: Buffer, rest: AsyncIterator<Buffer>): Promise<void> {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      let part: Buffer | undefined = first;
      for (let PartNumber = 1; part; PartNumber++) {
        const { ETag } = await client.send(
          new UploadPartCommand({
            Bucket,
            Key,
            UploadId,
            PartNumber,
            Body: part,
            ContentLength: part.byteLength,
          }),
        );
        parts.push({ ETag: ETag!, PartNumber });
        const next = await rest.next();
        part = next.done ? undefined : next.value;
      }
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
      throw error;
    }
  }

  return {
    kind: 's3',
    async write(Key, body) {
      const parts = partsOf(body, PART_BYTES)[Symbol.asyncIterator]();
      const first = await parts.next();
      const head = first.done ? Buffer.alloc(0) : first.value;
      const second =
        head.byteLength < PART_BYTES ? { done: true as const, value: undefined } : await parts.next();
      if (second.done) {
        await client.send(new PutObjectCommand({ Bucket, Key, Body: head, ContentLength: head.byteLength }));
        return;
      }
      const rest: AsyncIterator<Buffer> = {
        next: () => parts.next(),
      };
      let pendingSecond: Buffer | undefined = second.value;
      await multipart(Key, head, {
        next: async () => {
          if (pendingSecond) {
            const value = pendingSecond;
            pendingSecond = undefined;
            return { done: false, value };
          }
          return rest.next();
        },
      });
    },
    async read(Key, range) {
      const answer = await client.send(
        new GetObjectCommand({
          Bucket,
          Key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      const body = answer.Body as Readable | undefined;
      if (!body) throw new Error(`S3 answered no body for ${Key}`);
      return Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
    },
    async copy(from, to) {
      await client.send(
        new CopyObjectCommand({
          Bucket,
          Key: to,
          CopySource: `${Bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    },
    async delete(Key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key }));
    },
    async *leftovers(before) {
      // Multipart uploads a dead writer left open: they hold storage until aborted.
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      do {
        const page = await client.send(
          new ListMultipartUploadsCommand({ Bucket, KeyMarker, UploadIdMarker }),
        );
        for (const upload of page.Uploads ?? []) {
          const { Key, UploadId, Initiated } = upload;
          if (!Key || !UploadId || !BLOB_NAME.test(Key) || !Initiated || Initiated >= before) continue;
          const leftover: Leftover = {
            name: Key,
            partial: true,
            remove: async () => {
              await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
            },
          };
          yield leftover;
        }
        [KeyMarker, UploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [];
      } while (KeyMarker !== undefined);
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          const { Key, LastModified } = object;
          if (!Key || !BLOB_NAME.test(Key) || !LastModified || LastModified >= before) continue;
          const leftover: Leftover = {
            name: Key,
            partial: false,
            remove: async () => {
              await client.send(new DeleteObjectCommand({ Bucket, Key }));
            },
          };
          yield leftover;
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    },
    async close() {
      client.destroy();
    },
  };
}
