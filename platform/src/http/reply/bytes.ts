import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ApiError } from '../problem.js';
import type { Reply } from './reply.js';

// Byte replies: any content type, with an ETag, `If-None-Match` → 304, and a single `Range` → 206
// (RFC 9110 §14). Several ranges in one request are answered with the whole representation, which
// the RFC allows, rather than multipart/byteranges.

/** Where a byte reply comes from; `open` is called with the range to send (inclusive ends). */
export interface ByteSource {
  contentType: string;
  /** Total size; unknown sizes are sent chunked and cannot be ranged. */
  size: number | null;
  /** A strong validator, quoted (`"abc"`); enables 304 and `If-Range`. */
  etag?: string;
  lastModified?: Date;
  /** Suggested file name for `Content-Disposition: attachment`. */
  filename?: string;
  open(
    range: { start: number; end: number } | null,
  ): ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
}

/** A file on disk as a byte source (ranges read only the bytes asked for). */
export async function fileBytes(path: string, contentType: string, etag?: string): Promise<ByteSource> {
  const info = await stat(path);
  return {
    contentType,
    size: info.size,
    etag: etag ?? `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`,
    lastModified: info.mtime,
    open: (range) =>
      Readable.toWeb(createReadStream(path, range ?? {})) as unknown as ReadableStream<Uint8Array>,
  };
}

function etagMatches(header: string, etag: string): boolean {
  return header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → an inclusive range within `size`; null to send everything. */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null; // unknown unit or several ranges: ignore the header
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null; // invalid: ignore, as the RFC says
  }
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): ApiError {
  return new ApiError('request/range-not-satisfiable', `The resource has ${size} bytes.`, {
    headers: { 'content-range': `bytes */${size}` },
  });
}

/** The reply for `source`, honouring the request's conditional and range headers. */
export async function bytesReply(
  source: ByteSource,
  request: { header(name: string): string | undefined },
  status: number,
  headers: Record<string, string>,
): Promise<Reply> {
  const out: Record<string, string> = { ...headers, 'content-type': source.contentType };
  if (source.etag) out.etag = source.etag;
  if (source.lastModified) out['last-modified'] = source.lastModified.toUTCString();
  if (source.filename) {
    out['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(source.filename)}`;
  }
  const ifNoneMatch = request.header('if-none-match');
  if (source.etag && ifNoneMatch && etagMatches(ifNoneMatch, source.etag)) {
    delete out['content-type'];
    return { status: 304, headers: out, body: null };
  }
  if (source.size === null) return { status, headers: out, body: await source.open(null) };
  out['accept-ranges'] = 'bytes';
  const rangeHeader = request.header('range');
  const ifRange = request.header('if-range');
  const rangeApplies = rangeHeader && status === 200 && (!ifRange || ifRange === source.etag);
  const range = rangeApplies ? parseRange(rangeHeader, source.size) : null;
  if (range) {
    out['content-range'] = `bytes ${range.start}-${range.end}/${source.size}`;
    out['content-length'] = String(range.end - range.start + 1);
    return { status: 206, headers: out, body: await source.open(range) };
  }
  out['content-length'] = String(source.size);
  return { status, headers: out, body: source.size === 0 ? null : await source.open(null) };
}
