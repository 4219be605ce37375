import type { AerostackError, StorageObject, UploadProgress } from '@aerostack/core';
import { describe, expectTypeOf, it } from 'vitest';
import { type UploadTarget, useStorage } from '../src/index.js';

describe('useStorage types', () => {
  it('uploads to a key or a signed URL and resolves the stored object', () => {
    const { upload, progress, fraction, data, error, isUploading } = useStorage();
    expectTypeOf(upload).parameter(0).toEqualTypeOf<UploadTarget>();
    expectTypeOf(upload).returns.resolves.toEqualTypeOf<StorageObject>();
    expectTypeOf(progress).toEqualTypeOf<UploadProgress | null>();
    expectTypeOf(fraction).toEqualTypeOf<number | null>();
    expectTypeOf(data).toEqualTypeOf<StorageObject | undefined>();
    expectTypeOf(error).toEqualTypeOf<AerostackError | null>();
    expectTypeOf(isUploading).toEqualTypeOf<boolean>();
  });

  it('takes a signed URL object as minted by createSignedUrl', () => {
    const { upload } = useStorage();
    upload({ url: 'http://localhost:8787/v1/storage/signed/prj_1/a?expires=1&signature=x' }, new Blob([]));
    upload('avatars/1.png', new Uint8Array(1), { contentType: 'image/png' });
    // @ts-expect-error: a number is not an upload target
    upload(42, new Blob([]));
  });
});
