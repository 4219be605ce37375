import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import { isAerostackError } from '../errors/aerostack-error';
import { paginate } from '../pagination/paginate';
import type { Http, RequestBody } from '../transport/http-types';
import type { Page, StorageObject, StorageSignedUrl } from '../types/models';
import { type UploadProgress, withProgress } from './progress';
import { canUseXhr, xhrUpload } from './xhr-upload';

/**
 * Options of `storage.upload`.
 *
 * @example
 * await client.storage.upload('avatars/42.png', file, {
 *   contentType: 'image/png',
 *   cacheControl: 'public, max-age=3600',
 *   metadata: { owner: 'usr_42' },
 *   onProgress: ({ loaded, total }) => console.log(loaded, total),
 * });
 */
export interface StorageUploadOptions extends RequestOptions {
  /** The object's media type, sent back as its `Content-Type`; default `application/octet-stream`. */
  contentType?: string | undefined;
  /** The object's `Cache-Control`, sent back on every download. */
  cacheControl?: string | undefined;
  /** Custom metadata: at most 32 string entries, 2048 bytes in all. */
  metadata?: Record<string, string> | undefined;
  /**
   * Called as the body is sent. The body then goes as a stream, which is sent once and never
   * retried.
   */
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

/**
 * Options of `storage.download`.
 *
 * @example
 * const head = await client.storage.download('video.mp4', { range: { start: 0, end: 1023 } });
 */
export interface StorageDownloadOptions extends RequestOptions {
  /** One byte range, inclusive (`end` omitted: to the end); answered 206. */
  range?: { start: number; end?: number | undefined } | undefined;
  /** An ETag you hold: the promise resolves with a 304 `Response` (no body) while it is current. */
  ifNoneMatch?: string | undefined;
}

/**
 * Options of `storage.list`.
 *
 * @example
 * const { data, nextCursor } = await client.storage.list({ prefix: 'avatars/', limit: 100 });
 */
export interface StorageListOptions extends RequestOptions {
  /** Only keys that start with this. */
  prefix?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * Options of `storage.createSignedUrl`.
 *
 * @example
 * const { url } = await client.storage.createSignedUrl('uploads/a.png', { method: 'PUT', contentType: 'image/png', expiresInSeconds: 600 });
 */
export interface StorageSignOptions extends RequestOptions {
  /** `GET` (default) to download, `PUT` to upload. */
  method?: 'GET' | 'PUT' | undefined;
  /** Default 3600, at most 604800 (7 days). */
  expiresInSeconds?: number | undefined;
  /** `PUT` only: the uploaded object's media type. */
  contentType?: string | undefined;
  /** `PUT` only: the uploaded object's `Cache-Control`. */
  cacheControl?: string | undefined;
}

/**
 * Options of `storage.uploadToSignedUrl`.
 *
 * @example
 * await client.storage.uploadToSignedUrl(signed, file, { onProgress: (p) => setProgress(p.loaded) });
 */
export interface SignedUploadOptions {
  /** Called as the body is sent (in browsers through XMLHttpRequest's upload events). */
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Per-project object storage: streamed uploads and downloads, metadata, listing, copy and move,
 * signed URLs. Needs a secret key, except `uploadToSignedUrl` and signed downloads, which need
 * none (decision 0040).
 *
 * @example
 * await client.storage.upload('reports/2026.pdf', pdfBytes, { contentType: 'application/pdf' });
 * const res = await client.storage.download('reports/2026.pdf');
 * const bytes = new Uint8Array(await res.arrayBuffer());
 */
export interface StorageApi {
  /**
   * Uploads `body` (a Blob or File, bytes, a string or a stream of bytes) to `key`, replacing
   * what is there once it has all arrived. Streams are never buffered.
   */
  upload(key: string, body: RequestBody, options?: StorageUploadOptions): Promise<StorageObject>;
  /**
   * Downloads an object: the `Response`, whose `body` streams the bytes (`status` 200, 206 for a
   * range, 304 for a current `ifNoneMatch`); `storage/not-found` rejects.
   */
  download(key: string, options?: StorageDownloadOptions): Promise<Response>;
  /** An object's metadata (size, content type, ETag, cache-control, custom metadata, times). */
  head(key: string, options?: RequestOptions): Promise<StorageObject>;
  /** Whether an object exists at `key`. */
  exists(key: string, options?: RequestOptions): Promise<boolean>;
  /** Deletes an object; resolves whether there was one. */
  delete(key: string, options?: RequestOptions): Promise<boolean>;
  /** One page of objects in key order, optionally under a prefix. */
  list(options?: StorageListOptions): Promise<Page<StorageObject>>;
  /** Every object under a prefix, page by page. */
  listAll(
    options?: Omit<StorageListOptions, 'cursor' | 'limit'> & { pageSize?: number },
  ): AsyncIterable<StorageObject>;
  /** Copies an object (bytes and metadata); a destination object is replaced. */
  copy(sourceKey: string, destinationKey: string, options?: RequestOptions): Promise<StorageObject>;
  /** Renames an object without copying its bytes; a destination object is replaced. */
  move(sourceKey: string, destinationKey: string, options?: RequestOptions): Promise<StorageObject>;
  /** A URL that downloads (`GET`) or uploads (`PUT`) one object without a credential until it expires. */
  createSignedUrl(key: string, options?: StorageSignOptions): Promise<StorageSignedUrl>;
  /** Uploads to a signed `PUT` URL (from your server's `createSignedUrl`), with progress. */
  uploadToSignedUrl(
    signed: Pick<StorageSignedUrl, 'url'> | string,
    body: RequestBody,
    options?: SignedUploadOptions,
  ): Promise<StorageObject>;
}

const objectPath = (key: string) => `/v1/storage/objects/${encodeURIComponent(key)}` as const;

/** `http.request` takes paths on the client's base URL; a signed URL is made on the platform's. */
function pathOf(url: string): `/${string}` {
  const parsed = new URL(url, 'http://base.invalid');
  return `${parsed.pathname}${parsed.search}` as `/${string}`;
}

export function createStorageApi(http: Http, baseUrl: string): StorageApi {
  const octets = { 'Content-Type': 'application/octet-stream' };

  async function put(
    path: `/${string}`,
    body: RequestBody,
    options: StorageUploadOptions | SignedUploadOptions,
  ) {
    const sent = options.onProgress ? withProgress(body, options.onProgress) : body;
    const { headers, ...rest } =
      'headers' in options ? pickRequestOptions(options) : { headers: undefined, signal: options.signal };
    const response = await http.request(path, {
      ...rest,
      method: 'PUT',
      body: sent,
      headers: { ...octets, ...headers },
    });
    return (await response.json()) as StorageObject;
  }

  const api: StorageApi = {
    upload(key, body, options = {}) {
      const query = new URLSearchParams();
      if (options.contentType) query.set('contentType', options.contentType);
      if (options.cacheControl) query.set('cacheControl', options.cacheControl);
      if (options.metadata) query.set('metadata', JSON.stringify(options.metadata));
      const search = query.size > 0 ? `?${query}` : '';
      return put(`${objectPath(key)}${search}`, body, options);
    },

    download(key, options = {}) {
      const { range, ifNoneMatch, ...rest } = options;
      const headers: Record<string, string> = { ...rest.headers };
      if (range) headers.Range = `bytes=${range.start}-${range.end ?? ''}`;
      if (ifNoneMatch) headers['If-None-Match'] = ifNoneMatch;
      return http.request(objectPath(key), { ...pickRequestOptions(rest), headers });
    },

    head(key, options) {
      return http.GET('/v1/storage/objects/{key}/metadata', {
        params: { path: { key } },
        ...pickRequestOptions(options),
      });
    },

    async exists(key, options) {
      try {
        await api.head(key, options);
        return true;
      } catch (error) {
        if (isAerostackError(error) && error.code === 'storage/not-found') return false;
        throw error;
      }
    },

    async delete(key, options) {
      const result = await http.DELETE('/v1/storage/objects/{key}', {
        params: { path: { key } },
        ...pickRequestOptions(options),
      });
      return result.deleted;
    },

    list(options = {}) {
      const { prefix, limit, cursor } = options;
      return http.GET('/v1/storage/objects', {
        params: { query: { prefix, limit, cursor } },
        ...pickRequestOptions(options),
      });
    },

    listAll(options = {}) {
      const { pageSize, ...rest } = options;
      return paginate((cursor) => api.list({ ...rest, limit: pageSize, cursor }));
    },

    copy(sourceKey, destinationKey, options) {
      return http.POST('/v1/storage/copy', {
        body: { sourceKey, destinationKey },
        ...pickRequestOptions(options),
      });
    },

    move(sourceKey, destinationKey, options) {
      return http.POST('/v1/storage/move', {
        body: { sourceKey, destinationKey },
        ...pickRequestOptions(options),
      });
    },

    createSignedUrl(key, options = {}) {
      const { method, expiresInSeconds, contentType, cacheControl } = options;
      return http.POST('/v1/storage/signed-urls', {
        body: { key, method, expiresInSeconds, contentType, cacheControl },
        ...pickRequestOptions(options),
      });
    },

    async uploadToSignedUrl(signed, body, options = {}) {
      const url = typeof signed === 'string' ? signed : signed.url;
      const path = pathOf(url);
      if (options.onProgress && canUseXhr(body)) {
        return (await xhrUpload(`${baseUrl}${path}`, body as Exclude<RequestBody, ReadableStream>, {
          onProgress: options.onProgress,
          signal: options.signal,
        })) as StorageObject;
      }
      return put(path, body, options);
    },
  };
  return api;
}
