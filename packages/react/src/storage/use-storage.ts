import type {
  AerostackError,
  RequestBody,
  StorageObject,
  StorageSignedUrl,
  StorageUploadOptions,
  UploadProgress,
} from '@aerostack/core';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useAerostackContext } from '../context.js';

/**
 * Where `useStorage().upload` sends a file: a key (the client needs the project's secret key, so
 * server-side code and trusted tools only), or a signed `PUT` URL your server minted with
 * `client.storage.createSignedUrl(key, { method: 'PUT' })` — the way a browser uploads.
 *
 * @example
 * const target: UploadTarget = await fetch('/api/sign-avatar-upload').then((r) => r.json());
 */
export type UploadTarget = string | Pick<StorageSignedUrl, 'url'>;

/** Options of `useStorage().upload` (content type, cache-control and metadata apply to key uploads). */
export type UseStorageUploadOptions = Omit<StorageUploadOptions, 'onProgress'>;

/**
 * What `useStorage` returns.
 *
 * @example
 * const { upload, progress, isUploading, error } = useStorage();
 */
export interface UseStorageResult {
  /** Uploads `body` (a File from an `<input type="file">`, a Blob, bytes); resolves the stored object. */
  upload(target: UploadTarget, body: RequestBody, options?: UseStorageUploadOptions): Promise<StorageObject>;
  /** The upload in flight (or the last one): bytes sent, total when known. Null before any. */
  progress: UploadProgress | null;
  /** `loaded / total` between 0 and 1, or null when the total is unknown. */
  fraction: number | null;
  isUploading: boolean;
  /** The last upload's object. */
  data: StorageObject | undefined;
  error: AerostackError | null;
  /** Forgets the last upload's progress, result and error. */
  reset(): void;
}

interface Variables {
  target: UploadTarget;
  body: RequestBody;
  options: UseStorageUploadOptions | undefined;
}

/**
 * Uploads with progress. In browsers, uploads to a signed URL go through XMLHttpRequest, whose
 * upload events `fetch` lacks; elsewhere the body is streamed and counted as it is sent.
 *
 * @example
 * ```tsx
 * function AvatarPicker() {
 *   const { upload, fraction, isUploading } = useStorage();
 *   return (
 *     <>
 *       <input
 *         type="file"
 *         onChange={async (e) => {
 *           const signed = await fetch('/api/avatar-upload-url').then((r) => r.json());
 *           await upload(signed, e.target.files![0]!);
 *         }}
 *       />
 *       {isUploading && <progress value={fraction ?? undefined} />}
 *     </>
 *   );
 * }
 * ```
 */
export function useStorage(): UseStorageResult {
  const client = useAerostackContext('useStorage()');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const mutation = useMutation<StorageObject, AerostackError, Variables>({
    mutationFn: ({ target, body, options }) =>
      typeof target === 'string'
        ? client.storage.upload(target, body, { ...options, onProgress: setProgress })
        : client.storage.uploadToSignedUrl(target, body, {
            signal: options?.signal,
            onProgress: setProgress,
          }),
  });
  const run = mutation.mutateAsync;
  const upload = useCallback<UseStorageResult['upload']>(
    (target, body, options) => {
      setProgress(null);
      return run({ target, body, options });
    },
    [run],
  );
  const clear = mutation.reset;
  const reset = useCallback(() => {
    setProgress(null);
    clear();
  }, [clear]);
  return {
    upload,
    progress,
    fraction: progress?.total ? progress.loaded / progress.total : null,
    isUploading: mutation.isPending,
    data: mutation.data,
    error: mutation.error,
    reset,
  };
}
