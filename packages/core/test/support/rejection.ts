import { expect } from 'vitest';
import { type AerostackError, isAerostackError } from '../../src';

/** Awaits a promise that must reject with an AerostackError, and returns that error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<AerostackError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isAerostackError(error)) throw error;
  return error;
}
