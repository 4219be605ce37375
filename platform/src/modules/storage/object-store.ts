/**
 * Where object bytes live (decision 0040): a local directory by default, an S3-compatible bucket
 * when configured. Names are the platform's own (`<projectId>/<blobId>`), never user keys: the
 * metadata database maps keys to blobs, so listing, quotas and renames work the same on both, and
 * a key can never reach the filesystem or the bucket's namespace.
 */
/** A blob's name: `<projectId>/<24 base62 characters>`. Anything else in the store is not ours. */
export const BLOB_NAME = /^[A-Za-z0-9_]+\/[A-Za-z0-9]{24}$/;

/** Something the store holds that may belong to no object: a blob, or what a write left half done. */
export interface Leftover {
  /** The blob it is (or was being written as). */
  name: string;
  /** A temp file or an open multipart upload rather than a whole blob. */
  partial: boolean;
  remove(): Promise<void>;
}

export interface ObjectStore {
  /** Which store this is, for logs and tests. */
  readonly kind: 'local' | 's3';
  /**
   * Writes `body` as `name`, visible only once complete (a failed write leaves nothing). The
   * stream errors (and the write fails) when the caller's checks reject the body midway.
   */
  write(name: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** The bytes of `name`, or of its inclusive `range`. */
  read(name: string, range: { start: number; end: number } | null): Promise<ReadableStream<Uint8Array>>;
  /** Copies `from` to `to` inside the store. */
  copy(from: string, to: string): Promise<void>;
  /** Removes `name`; a missing one is not an error. */
  delete(name: string): Promise<void>;
  /**
   * Blobs and partial writes last changed before `before` (the orphan sweep keeps those a row
   * still holds and removes the rest). Only names of the platform's blobs are listed.
   */
  leftovers(before: Date): AsyncIterable<Leftover>;
  close(): Promise<void>;
}
