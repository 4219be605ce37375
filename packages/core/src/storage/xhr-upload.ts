import { abortedError, networkError } from '../errors/client-errors';
import { errorFromResponse } from '../errors/from-response';
import type { RequestBody } from '../transport/http-types';
import { sizeOf, type UploadProgress } from './progress';

// In browsers `fetch` reports no upload progress (and streams a request body only over HTTP/2), so
// an upload to a signed URL with `onProgress` goes through XMLHttpRequest there, whose `upload`
// events do. Signed URLs carry no credential, so nothing of the client's session is involved.

/** The part of the browser's XMLHttpRequest used here (core compiles without the DOM library). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: {
    onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
  };
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  onload: (() => void) | null;
  status: number;
  responseText: string;
  getAllResponseHeaders(): string;
  abort(): void;
  send(body: unknown): void;
}

const XhrClass = () => (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;

export function canUseXhr(body: RequestBody): boolean {
  return XhrClass() !== undefined && !(body instanceof ReadableStream);
}

/** PUTs `body` to `url` with XMLHttpRequest, reporting progress; resolves the parsed JSON answer. */
export function xhrUpload(
  url: string,
  body: Exclude<RequestBody, ReadableStream<Uint8Array>>,
  options: { onProgress: (progress: UploadProgress) => void; signal?: AbortSignal | undefined },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const Request = XhrClass();
    if (!Request) throw new Error('no XMLHttpRequest');
    const xhr = new Request();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (event) =>
      options.onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
    xhr.onerror = () => reject(networkError(new Error('the upload failed')));
    xhr.onabort = () => reject(abortedError(options.signal?.reason));
    xhr.onload = () => {
      const headers = new Headers();
      for (const line of xhr
        .getAllResponseHeaders()
        .trim()
        .split(/[\r\n]+/)) {
        const at = line.indexOf(':');
        if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      const text = xhr.responseText;
      if (xhr.status >= 200 && xhr.status < 300) {
        // Not every XMLHttpRequest reports the last bytes before the answer: the body is all sent.
        const total = sizeOf(body);
        if (total !== null) options.onProgress({ loaded: total, total });
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(networkError(error));
        }
        return;
      }
      reject(errorFromResponse(new Response(null, { status: xhr.status, headers }), text));
    };
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    if (options.signal?.aborted) return xhr.abort();
    xhr.send(body);
  });
}
